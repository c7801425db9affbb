// @ts-check
import { apiJson } from './api.js';
import { badge, fill, h, shortUid, table, when } from './dom.js';
import { whatRanText } from './view-models.js';

/** @param {any[]} deliveries */
function deliveryList(deliveries) {
  if (!deliveries.length) return h('span', { class: 'muted' }, 'none');
  return h('span', {}, ...deliveries.map((d) => h('span', {}, `${d.destination}${d.forwarded ? ' (original, as received)' : ''} `, badge(d.state), ' ')));
}

/** Which source frame each frame of a multi-frame derived object holds. @param {any[]} frames */
function framesTable(frames) {
  return table(
    ['frame', 'source instance', 'source frame'],
    frames.map((f) => [f.derivedFrameNumber, h('a', { href: `#/lineage/${f.sourceSopInstanceUid}` }, shortUid(f.sourceSopInstanceUid)), f.sourceFrameIndex + 1]),
    'none',
    { id: 'lineage-frames' },
  );
}

/** @param {any[]} copies */
function copiesTable(copies) {
  return table(
    ['received', 'series', 'status', 'transfer syntax', 'sha256'],
    copies.map((c) => [when(c.receivedAt), shortUid(c.seriesUid), badge(c.status), h('span', { class: 'mono' }, c.transferSyntaxUid), h('span', { class: 'mono' }, c.sha256.slice(0, 16))]),
    'none',
  );
}

/** @param {any} link */
function derivationFacts(link) {
  const d = link.derivation;
  /** @type {Array<[string, Node | string]>} */
  const rows = [
    ['derived instance', h('a', { href: `#/lineage/${d.derivedSopInstanceUid}` }, shortUid(d.derivedSopInstanceUid))],
    ['derived series', h('a', { href: `#/viewer/${d.derivedSeriesUid}` }, shortUid(d.derivedSeriesUid), ' (before/after)')],
    ['source instance', h('a', { href: `#/lineage/${d.sourceSopInstanceUid}` }, shortUid(d.sourceSopInstanceUid))],
    ['stage', badge(d.stage)],
    ['window', d.params?.window ? `${d.params.windowName} (${d.params.window.center}/${d.params.window.width})` : d.params?.windowName ?? '—'],
    ['model', link.model ? `${link.model.id} · ${link.model.sha256.slice(0, 12)}…` : d.modelId ?? 'none'],
    ['preset', d.preset ?? 'none'],
    ['what ran', d.stage === 'enhance' ? whatRanText(d.whatRan) : 'render only'],
    ['job', link.job ? h('span', {}, `#${link.job.id} ${link.job.ruleName} `, badge(link.job.state)) : `#${d.jobId}`],
    ['made', when(d.createdAt)],
    ['delivered to', deliveryList(link.deliveries)],
  ];
  return h('dl', { class: 'facts panel' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** Lineage of a SOP Instance UID in both directions. @type {import('./main.js').View} */
export async function renderLineage(main, [uid]) {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'text', id: 'lineage-uid', size: 64, placeholder: 'SOP Instance UID', value: uid ?? '' }));
  const form = h('form', { class: 'inline', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); location.hash = `#/lineage/${input.value.trim()}`; } }, input, h('button', { type: 'submit' }, 'Look up'));
  if (!uid) return fill(main, h('h1', {}, 'Lineage'), form, h('p', { class: 'muted' }, 'Where a derived instance came from, or where a source instance went.'));

  const l = await apiJson(`/api/lineage/${uid}`);
  fill(
    main,
    h('h1', {}, 'Lineage of ', shortUid(uid)),
    form,
    h('div', { id: 'lineage' },
      l.derivedFrom
        ? h('div', {},
            h('h2', {}, 'Made by this node from'), derivationFacts(l.derivedFrom),
            l.derivedFrom.frames ? h('div', {}, h('h2', {}, 'Frames and their sources'), framesTable(l.derivedFrom.frames)) : null,
            h('h2', {}, 'Source copies'), copiesTable(l.derivedFrom.source))
        : null,
      h('h2', {}, 'Derived from this instance'),
      l.derivations.length ? h('div', {}, ...l.derivations.map(derivationFacts)) : h('p', { class: 'muted' }, 'nothing'),
      h('h2', {}, 'Received under this UID'),
      copiesTable(l.received),
      h('h2', {}, 'Sent under this UID'),
      deliveryList(l.deliveries)),
  );
}
