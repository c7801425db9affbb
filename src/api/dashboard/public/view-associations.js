// @ts-check
import { apiJson } from './api.js';
import { fill, h } from './dom.js';
import { associationsTable } from './view-overview.js';

/** The association log (who sent what, outcome, reject reason), refreshed live. @type {import('./main.js').View} */
export async function renderAssociations(main, _params, live) {
  const body = h('div', {});
  const load = async () => fill(body, associationsTable(await apiJson('/api/associations?limit=500')));
  await load();
  fill(main, h('h1', {}, 'Association log'), body);
  let last = '';
  return live.subscribe((s) => {
    const key = JSON.stringify(s.recentAssociations);
    if (key !== last) {
      const first = last === '';
      last = key;
      if (!first) void load();
    }
  });
}
