// @ts-check
import { apiJson } from './api.js';
import { fill, h, shortUid, table, when } from './dom.js';
import { daText, personName } from './view-studies.js';

/** @param {any[]} derived */
function derivedList(derived) {
  if (!derived.length) return h('span', { class: 'muted' }, 'none');
  return h(
    'ul',
    {},
    ...derived.map((d) =>
      h(
        'li',
        {},
        h('a', { href: `#/viewer/${d.seriesUid}`, 'data-viewer': d.seriesUid }, d.description ?? d.seriesUid),
        h('span', { class: 'muted' }, ` · ${d.outputKind}${d.jobId ? ` · job #${d.jobId}` : ''} · series ${d.seriesNumber ?? '—'}`),
      ),
    ),
  );
}

/** One study: received series (source and own output) and the series derived from each. @type {import('./main.js').View} */
export async function renderStudy(main, [studyUid]) {
  const study = await apiJson(`/api/studies/${studyUid}`);
  const sources = study.received.filter((/** @type {any} */ s) => !s.ownOutput);
  const own = study.received.filter((/** @type {any} */ s) => s.ownOutput);
  fill(
    main,
    h('h1', {}, 'Study ', shortUid(study.studyUid)),
    h(
      'dl',
      { class: 'facts panel', id: 'study-facts' },
      ...[
        ['patient', `${personName(study.patientName)}${study.patientId ? ` · ID ${study.patientId}` : ''}`],
        ['accession', study.accessionNumber ?? '—'],
        ['study', [study.studyDate && daText(study.studyDate), study.studyDescription].filter(Boolean).join(' · ') || '—'],
        ['modalities', study.modalities.join(', ') || '—'],
      ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
    h('h2', {}, 'Source series and their derived series'),
    table(
      ['series', 'modality', 'description', 'instances', 'from', 'last received', 'derived series (open the before/after viewer)'],
      sources.map((/** @type {any} */ s) => [
        shortUid(s.seriesUid),
        s.modality,
        s.description,
        s.instanceCount,
        s.callingAe,
        when(s.lastReceivedAt),
        derivedList(s.derived),
      ]),
      'no source series',
      { id: 'source-series' },
    ),
    h('h2', {}, 'Our series sent back by the PACS'),
    table(
      ['series', 'modality', 'description', 'instances', 'from', 'last received'],
      own.map((/** @type {any} */ s) => [shortUid(s.seriesUid), s.modality, s.description, s.instanceCount, s.callingAe, when(s.lastReceivedAt)]),
      'none (the PACS has not routed our output back here)',
    ),
  );
}
