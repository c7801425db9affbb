// @ts-check
import { apiJson, currentAccount, followEvents, signOut } from './api.js';
import { errorText, fill, message } from './dom.js';
import { renderAssociations } from './view-associations.js';
import { renderDeliveries } from './view-deliveries.js';
import { renderLineage } from './view-lineage.js';
import { renderOverview } from './view-overview.js';
import { renderRetention } from './view-retention.js';
import { renderRules } from './view-rules.js';
import { renderStudies } from './view-studies.js';
import { renderStudy } from './view-study.js';
import { renderViewer } from './view-viewer.js';

/**
 * @typedef {{ latest: any, subscribe(fn: (snapshot: any) => void): () => void }} Live
 * @typedef {(main: HTMLElement, params: string[], live: Live) => Promise<(() => void) | void>} View
 */

/** @type {Array<[RegExp, View, string]>} */
const ROUTES = [
  [/^#?\/?$/, renderOverview, 'overview'],
  [/^#\/studies(?:\?(.*))?$/, renderStudies, 'studies'],
  [/^#\/study\/([0-9.]+)$/, renderStudy, 'studies'],
  [/^#\/viewer\/([0-9.]+)(?:\/(\d+))?$/, renderViewer, 'overview'],
  [/^#\/deliveries$/, renderDeliveries, 'deliveries'],
  [/^#\/associations$/, renderAssociations, 'associations'],
  [/^#\/lineage(?:\/([0-9.]+))?$/, renderLineage, 'lineage'],
  [/^#\/rules$/, renderRules, 'rules'],
  [/^#\/retention$/, renderRetention, 'retention'],
];

/** The live view from /api/events, handed to whichever view wants it. @type {Live} */
const live = (() => {
  /** @type {Set<(snapshot: any) => void>} */
  const listeners = new Set();
  const hub = {
    latest: /** @type {any} */ (null),
    /** @param {(snapshot: any) => void} fn */
    subscribe(fn) {
      listeners.add(fn);
      if (hub.latest) fn(hub.latest);
      return () => void listeners.delete(fn);
    },
  };
  const indicator = /** @type {HTMLElement} */ (document.getElementById('live'));
  followEvents(
    (event, data) => {
      if (event !== 'snapshot') return;
      hub.latest = data;
      const dead = /** @type {HTMLElement} */ (document.getElementById('dead-count'));
      dead.textContent = String(data.deliveries.dead ?? 0);
      dead.hidden = !data.deliveries.dead;
      for (const fn of listeners) fn(data);
    },
    (state) => {
      indicator.dataset.state = state;
      indicator.textContent = state;
    },
  );
  return hub;
})();

/** @type {(() => void) | void} */
let cleanup;
let generation = 0;

async function route() {
  const main = /** @type {HTMLElement} */ (document.getElementById('view'));
  const hash = location.hash || '#/';
  const found = ROUTES.find(([re]) => re.test(hash));
  cleanup?.();
  cleanup = undefined;
  const mine = ++generation;
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', /** @type {HTMLElement} */ (a).dataset.nav === (found?.[2] ?? ''));
  }
  if (!found) return fill(main, message(`No page ${hash}`, true));
  const [re, view] = found;
  const params = /** @type {RegExpExecArray} */ (re.exec(hash)).slice(1);
  try {
    const done = await view(main, params, live);
    if (mine === generation) cleanup = done;
    else done?.();
  } catch (err) {
    if (mine === generation) fill(main, message(errorText(err), true));
  }
}

/** Shows who the page is signed in as, with a sign-out button (not for a node without credentials). */
async function showAccount() {
  const me = await currentAccount();
  byId('account-name').textContent = `${me.user} (${me.role})`;
  byId('sign-out').hidden = me.user === 'anonymous';
  byId('account').hidden = false;
}

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

async function start() {
  byId('sign-out').addEventListener('click', () => void signOut());
  try {
    await showAccount();
  } catch {
    // The views show their own errors.
  }
  try {
    const status = await apiJson('/api/status');
    /** @type {HTMLElement} */ (document.getElementById('node-title')).textContent = `· ${status.node.aeTitle}`;
    document.title = `${status.node.aeTitle} · UniMIE node`;
  } catch {
    // The views show their own errors.
  }
  window.addEventListener('hashchange', () => void route());
  await route();
}

void start();
