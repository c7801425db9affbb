// @ts-check
/**
 * Calls to the node's API from the page. A node with named users (api.auth) answers 401 until the
 * page has a session: the page shows its sign-in dialog (user and password, single sign-on when
 * configured, or a user's API token), and the session cookie (HttpOnly, set by the node) goes with
 * every request after that; state-changing requests also send the session's CSRF token. A node
 * with one shared token answers 401 until the page sends `Authorization: Bearer <token>`: the
 * page asks for it once and keeps it in sessionStorage (gone when the tab closes). Images and the
 * event stream are fetched the same way, because <img src> and EventSource cannot send headers.
 */

const TOKEN_KEY = 'unimie-node.api-token';

/** @type {Promise<void> | null} */
let asking = null;
/** The session's CSRF token (from sign-in or GET /api/me); never stored beyond the page. */
let csrfToken = '';
/** Whether this page had a session that worked (a 401 then means it ended: idle or absolute timeout, sign-out elsewhere). */
let hadSession = false;

/** An API error body `{ code, message }` with its HTTP status. */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Shows the shared-token dialog (a node without api.auth). @param {string} note @returns {Promise<void>} */
function askForToken(note) {
  return new Promise((resolve) => {
    const dialog = /** @type {HTMLDialogElement} */ (byId('token-dialog'));
    const form = /** @type {HTMLFormElement} */ (byId('token-form'));
    const input = /** @type {HTMLInputElement} */ (byId('token-input'));
    byId('token-note').textContent = note;
    input.value = '';
    form.addEventListener(
      'submit',
      () => {
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        resolve();
      },
      { once: true },
    );
    dialog.showModal();
  });
}

/**
 * Shows the sign-in dialog (a node with named users) until a password sign-in succeeds or a token
 * is given; single sign-on leaves the page and comes back signed in.
 * @param {string} note @param {{ oidc?: { label: string, url: string } }} options @returns {Promise<void>}
 */
function signIn(note, options) {
  return new Promise((resolve) => {
    const dialog = /** @type {HTMLDialogElement} */ (byId('signin-dialog'));
    const form = /** @type {HTMLFormElement} */ (byId('signin-form'));
    const tokenForm = /** @type {HTMLFormElement} */ (byId('signin-token-form'));
    const error = byId('signin-error');
    byId('signin-note').textContent = note;
    error.hidden = true;
    byId('sso').hidden = !options.oidc;
    if (options.oidc) {
      const link = /** @type {HTMLAnchorElement} */ (byId('sso-link'));
      link.textContent = options.oidc.label;
      link.href = options.oidc.url;
    }
    /** @param {SubmitEvent} e */
    const onPassword = async (e) => {
      e.preventDefault();
      const user = /** @type {HTMLInputElement} */ (byId('signin-user')).value.trim();
      const password = /** @type {HTMLInputElement} */ (byId('signin-password'));
      const res = await fetch('/api/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, password: password.value }),
        credentials: 'same-origin',
      });
      password.value = '';
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        error.textContent = res.status === 429 ? 'Too many failed sign-ins: try again later.' : body?.message ?? res.statusText;
        error.hidden = false;
        return;
      }
      csrfToken = (await res.json()).csrfToken;
      hadSession = true;
      sessionStorage.removeItem(TOKEN_KEY);
      done();
    };
    /** @param {SubmitEvent} e */
    const onToken = (e) => {
      e.preventDefault();
      const input = /** @type {HTMLInputElement} */ (byId('signin-token'));
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      input.value = '';
      done();
    };
    const done = () => {
      form.removeEventListener('submit', onPassword);
      tokenForm.removeEventListener('submit', onToken);
      dialog.close();
      resolve();
    };
    form.addEventListener('submit', onPassword);
    tokenForm.addEventListener('submit', onToken);
    dialog.showModal();
  });
}

/**
 * Asks for credentials after a 401; concurrent 401s share one dialog.
 * @param {'first' | 'refused' | 'ended'} why
 */
function askForCredentials(why) {
  asking ??= (async () => {
    const options = await fetch('/api/login/options', { credentials: 'same-origin' })
      .then((r) => r.json())
      .catch(() => ({ password: false }));
    const notes = { first: 'Sign in to this node.', refused: 'That was refused. Sign in again.', ended: 'Your session ended. Sign in again.' };
    if (options.password) await signIn(notes[why], options);
    else await askForToken(why === 'first' ? 'This node needs its API token:' : 'That token was refused. API token:');
    asking = null;
  })();
  return asking;
}

/**
 * fetch() with the stored token or the session cookie; on 401 asks for credentials and tries again.
 * @param {string} path @param {RequestInit} [init]
 */
export async function apiFetch(path, init = {}) {
  let refused = false;
  for (;;) {
    const headers = new Headers(init.headers);
    const token = storedToken();
    if (token) headers.set('authorization', `Bearer ${token}`);
    const method = (init.method ?? 'GET').toUpperCase();
    if (!token && method !== 'GET' && method !== 'HEAD') {
      if (!csrfToken) await currentAccount().catch(() => null);
      headers.set('x-csrf-token', csrfToken);
    }
    // The node sends no Basic challenge to a page's fetch(), so the browser shows no prompt of its own.
    const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
    if (res.status !== 401) return res;
    const why = hadSession ? 'ended' : refused || token ? 'refused' : 'first';
    csrfToken = '';
    hadSession = false;
    await askForCredentials(why);
    refused = true;
  }
}

/** @param {Response} res */
async function failure(res) {
  const body = await res.json().catch(() => null);
  return new ApiError(res.status, body?.code ?? 'PACS_E_HTTP', body?.message ?? res.statusText);
}

/** JSON of a successful response; ApiError otherwise. @param {string} path @param {RequestInit} [init] */
export async function apiJson(path, init) {
  const res = await apiFetch(path, init);
  if (!res.ok) throw await failure(res);
  return res.json();
}

/** POST with an optional body. @param {string} path @param {BodyInit} [body] @param {string} [type] */
export function apiPost(path, body, type) {
  return apiJson(path, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });
}

/**
 * Who this page is signed in as (GET /api/me); remembers the session's CSRF token.
 * @returns {Promise<{ user: string, role: string, csrfToken?: string }>}
 */
export async function currentAccount() {
  const me = await apiJson('/api/me');
  if (me.csrfToken) {
    csrfToken = me.csrfToken;
    hadSession = true;
  }
  return me;
}

/** Ends the session (or forgets the token) and reloads the page, which then asks for credentials again. */
export async function signOut() {
  if (storedToken()) sessionStorage.removeItem(TOKEN_KEY);
  else await apiFetch('/api/logout', { method: 'POST' }).catch(() => null);
  csrfToken = '';
  location.reload();
}

/** An object URL of an image the API renders; revoke it when done. @param {string} path */
export async function imageUrl(path) {
  const res = await apiFetch(path);
  if (!res.ok) throw await failure(res);
  return URL.createObjectURL(await res.blob());
}

/**
 * Follows /api/events (server-sent events over fetch), reconnecting after a drop.
 * @param {(event: string, data: any) => void} onEvent
 * @param {(state: 'live' | 'reconnecting') => void} onState
 * @returns {() => void} stops the stream
 */
export function followEvents(onEvent, onState) {
  const controller = new AbortController();
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await apiFetch('/api/events', { signal: controller.signal });
        if (!res.ok || !res.body) throw await failure(res);
        onState('live');
        await readEvents(res.body, onEvent);
      } catch {
        if (controller.signal.aborted) return;
      }
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => controller.abort();
}

/**
 * Parses a text/event-stream body (WHATWG HTML §9.2): blocks split by a blank line, `event:` and
 * `data:` fields, comment lines starting with ':'.
 * @param {ReadableStream<Uint8Array>} body @param {(event: string, data: any) => void} onEvent
 */
async function readEvents(body, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const blocks = buffer.split(/\r?\n\r?\n/);
    buffer = blocks.pop() ?? '';
    for (const block of blocks) {
      let event = 'message';
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(event, JSON.parse(data.join('\n')));
    }
  }
}
