// @ts-check
/**
 * Calls to the node's API from the page. With a token configured the API answers 401 until the
 * page sends `Authorization: Bearer <token>`; the page asks for the token once and keeps it in
 * sessionStorage (gone when the tab closes). Images and the event stream are fetched the same
 * way, because <img src> and EventSource cannot send headers.
 */

const TOKEN_KEY = 'unimie-node.api-token';

/** @type {Promise<void> | null} */
let asking = null;

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

/** Shows the token dialog; concurrent 401s share one prompt. @param {string} note */
function askForToken(note) {
  asking ??= new Promise((resolve) => {
    const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('token-dialog'));
    const form = /** @type {HTMLFormElement} */ (document.getElementById('token-form'));
    const input = /** @type {HTMLInputElement} */ (document.getElementById('token-input'));
    /** @type {HTMLElement} */ (document.getElementById('token-note')).textContent = note;
    input.value = '';
    form.addEventListener(
      'submit',
      () => {
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        asking = null;
        resolve();
      },
      { once: true },
    );
    dialog.showModal();
  });
  return asking;
}

/**
 * fetch() with the stored token; on 401 asks for the token and tries again.
 * @param {string} path @param {RequestInit} [init]
 */
export async function apiFetch(path, init = {}) {
  for (;;) {
    const headers = new Headers(init.headers);
    const token = storedToken();
    if (token) headers.set('authorization', `Bearer ${token}`);
    // credentials: 'omit' keeps the browser from answering the API's Basic challenge with its
    // own login prompt: the page asks for the token itself and sends it as a header.
    const res = await fetch(path, { ...init, headers, credentials: 'omit' });
    if (res.status !== 401) return res;
    await askForToken(token ? 'That token was refused. API token:' : 'This node needs its API token:');
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
