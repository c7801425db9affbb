// @ts-check
/** Small DOM helpers shared by the views (no framework). */

/**
 * Creates an element. Props: `class`, `text`, `style` (an object of CSS properties), `on<Event>` handlers, `dataset` entries as
 * `data-*`, anything else as an attribute (false/undefined/null left out).
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    // Through the CSSOM: the Content-Security-Policy (style-src 'self') blocks style attributes.
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : String(c));
  }
  return el;
}

/** Replaces an element's children. @param {Element} el @param {...(Node | string)} children */
export function fill(el, ...children) {
  el.replaceChildren(...children);
}

/** Local date and time of epoch ms; '—' for null. @param {number | null | undefined} ms */
export function when(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

/** The tail of a long UID, full UID in the tooltip. @param {string} uid */
export function shortUid(uid) {
  return h('span', { class: 'mono', title: uid }, uid.length > 22 ? `…${uid.slice(-20)}` : uid);
}

/** A state badge. @param {string} state */
export function badge(state) {
  return h('span', { class: `badge ${state}`, 'data-state': state }, state);
}

/** @param {number} bytes */
export function bytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * A table; rows are arrays of cells, each cell a node or text.
 * @param {string[]} columns
 * @param {Array<Array<Node | string | number | null>>} rows
 * @param {string} empty shown when there are no rows
 * @param {Record<string, any>} [props] on the <table>
 * @param {Array<Record<string, any>>} [rowProps] per row, on each <tr>
 */
export function table(columns, rows, empty, props = {}, rowProps = []) {
  const head = h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', {}, c))));
  const body = h(
    'tbody',
    {},
    ...(rows.length
      ? rows.map((r, i) => h('tr', rowProps[i] ?? {}, ...r.map((c) => h('td', {}, c ?? '—'))))
      : [h('tr', {}, h('td', { class: 'empty', colspan: columns.length }, empty))]),
  );
  return h('table', props, head, body);
}

/** A message line (info or error). @param {string} text @param {boolean} [error] */
export function message(text, error = false) {
  return h('div', { class: error ? 'message error' : 'message', role: 'status' }, text);
}

/** The text of an error for the page. @param {unknown} err */
export function errorText(err) {
  return err instanceof Error ? err.message : String(err);
}
