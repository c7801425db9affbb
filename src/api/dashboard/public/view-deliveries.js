// @ts-check
import { apiJson, apiPost } from './api.js';
import { badge, errorText, fill, h, message, shortUid, table, when } from './dom.js';

/** @param {number | null} status */
function dimseStatus(status) {
  return status === null ? '—' : `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * @param {any[]} rows
 * @param {string} id
 * @param {string} empty
 * @param {(row: any) => Node | string} actions
 */
function deliveriesTable(rows, id, empty, actions) {
  return table(
    ['id', 'destination', 'instance (lineage)', 'state', 'attempts', 'last status', 'last error', 'updated', ''],
    rows.map((d) => [
      `#${d.id}`,
      d.destination,
      h('span', {},
        h('a', { href: `#/lineage/${d.sopInstanceUid}` }, shortUid(d.sopInstanceUid)),
        d.forwarded ? h('span', { class: 'muted', title: 'forwarded untouched, in its own transfer syntax' }, ' original') : null),
      badge(d.state),
      d.attempts,
      dimseStatus(d.lastStatus),
      d.lastError ?? '',
      when(d.updatedAt),
      actions(d),
    ]),
    empty,
    { id },
    rows.map((d) => ({ 'data-delivery-id': d.id, 'data-state': d.state })),
  );
}

/** The dead-letter list with requeue and discard, the queue, and each destination's counts. @type {import('./main.js').View} */
export async function renderDeliveries(main, _params, live) {
  const note = h('div', { id: 'deliveries-message' });
  const dead = h('div', {});
  const queue = h('div', {});
  const destinations = h('div', {});

  /** @param {string} verb @param {any} d */
  const act = async (verb, d) => {
    try {
      const row = await apiPost(`/api/deliveries/${d.id}/${verb}`);
      fill(note, message(`Delivery #${row.id} to ${row.destination} ${verb === 'requeue' ? 'requeued' : 'discarded'}: now ${row.state}`));
    } catch (err) {
      fill(note, message(`Delivery #${d.id}: ${errorText(err)}`, true));
    }
    await refresh();
  };
  /** @param {any} d */
  const deadActions = (d) =>
    h('span', {},
      h('button', { class: 'primary', 'data-action': 'requeue', onclick: () => void act('requeue', d) }, 'Requeue'), ' ',
      h('button', { 'data-action': 'discard', onclick: () => void act('discard', d) }, 'Discard'));

  const refresh = async () => {
    const [deadRows, pending, sending, dests] = await Promise.all([
      apiJson('/api/deliveries?state=dead&limit=500'),
      apiJson('/api/deliveries?state=pending&limit=200'),
      apiJson('/api/deliveries?state=sending&limit=200'),
      apiJson('/api/destinations'),
    ]);
    fill(dead, deliveriesTable(deadRows, 'dead-deliveries', 'no dead deliveries', deadActions));
    fill(queue, deliveriesTable([...sending, ...pending], 'queued-deliveries', 'the queue is empty', () => ''));
    fill(
      destinations,
      table(
        ['destination', 'kind', 'address', 'attempts allowed', 'queue'],
        dests.map((/** @type {any} */ x) => [
          x.name, x.kind, x.address, x.maxAttempts,
          Object.entries(x.queue).filter(([, n]) => n).map(([s, n]) => `${s} ${n}`).join(' · ') || 'empty',
        ]),
        'no destinations configured',
        { id: 'destinations' },
      ),
    );
  };

  await refresh();
  fill(main, h('h1', {}, 'Deliveries'), note, h('h2', {}, 'Dead letters'), dead, h('h2', {}, 'Queue'), queue, h('h2', {}, 'Destinations'), destinations);
  let last = '';
  return live.subscribe((s) => {
    const counts = JSON.stringify(s.deliveries);
    if (counts === last) return;
    const first = last === '';
    last = counts;
    if (!first) refresh().catch((err) => fill(note, message(errorText(err), true)));
  });
}
