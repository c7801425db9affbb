// @ts-check
import { apiJson } from './api.js';
import { fill, h, shortUid, table, when } from './dom.js';

/** The search fields: query parameter of GET /api/studies, label, input attributes. @type {Array<[string, string, Record<string, any>]>} */
const FIELDS = [
  ['patientName', 'Patient name', { placeholder: 'DOE* or *^JANE', size: 18 }],
  ['patientId', 'Patient ID', { size: 12 }],
  ['accessionNumber', 'Accession', { size: 12 }],
  ['from', 'Study date from', { type: 'date' }],
  ['to', 'to', { type: 'date' }],
  ['modality', 'Modality', { placeholder: 'CT', size: 5 }],
  ['description', 'Description', { size: 14 }],
];

/** `Doe^Jane^^Dr` as a person reads it: `Doe, Jane` (alphabetic group; prefix and suffix left out). @param {string | null} pn */
export function personName(pn) {
  if (!pn) return '—';
  const [family = '', given = '', middle = ''] = (pn.split('=')[0] ?? '').split('^');
  const rest = [given, middle].filter(Boolean).join(' ');
  return rest ? `${family}, ${rest}` : family || pn;
}

/** `20240115` as `2024-01-15`. @param {string | null} da */
export function daText(da) {
  return da && /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6)}` : da ?? '—';
}

/** The API's date range from the two date inputs (YYYY-MM-DD each, either may be empty). @param {URLSearchParams} form */
function dateRange(form) {
  const from = (form.get('from') ?? '').replaceAll('-', '');
  const to = (form.get('to') ?? '').replaceAll('-', '');
  return from || to ? (from === to ? from : `${from}-${to}`) : '';
}

/** The query of GET /api/studies from the page's search (empty fields left out). @param {URLSearchParams} form */
function apiQuery(form) {
  const q = new URLSearchParams();
  for (const [name] of FIELDS) {
    const v = (form.get(name) ?? '').trim();
    if (v && name !== 'from' && name !== 'to') q.set(name, v);
  }
  const range = dateRange(form);
  if (range) q.set('studyDate', range);
  return q;
}

/** @param {URLSearchParams} current */
function searchForm(current) {
  const inputs = FIELDS.map(([name, label, attrs]) => {
    const input = h('input', { type: 'text', name, id: `study-${name}`, value: current.get(name) ?? '', 'aria-label': label, ...attrs });
    return h('label', {}, `${label} `, input);
  });
  return h(
    'form',
    {
      class: 'inline search',
      id: 'study-search',
      onsubmit: (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (e.target));
        const q = new URLSearchParams();
        for (const [name, value] of data) if (String(value).trim()) q.set(name, String(value).trim());
        location.hash = `#/studies${q.size ? `?${q}` : ''}`;
      },
    },
    ...inputs,
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
    h('a', { href: '#/studies' }, 'clear'),
  );
}

/**
 * The study list: search by patient, accession, study date, modality and description; a row
 * opens the study. The search lives in the page address (after `#/studies?`), so a reload or
 * the back button comes back to the same results.
 * @type {import('./main.js').View}
 */
export async function renderStudies(main, [query]) {
  const current = new URLSearchParams(query ?? '');
  const q = apiQuery(current);
  const studies = await apiJson(`/api/studies${q.size ? `?${q}` : ''}`);
  const open = (/** @type {string} */ uid) => `#/study/${uid}`;
  fill(
    main,
    h('h1', {}, 'Studies'),
    searchForm(current),
    h('p', { class: 'muted' }, q.size ? `${studies.length} found${studies.length === 100 ? ' (first 100)' : ''}` : 'Most recently received first. Names take * and ? wildcards, case ignored.'),
    table(
      ['patient', 'patient ID', 'birth date', 'accession', 'study date', 'description', 'modalities', 'series', 'instances', 'last received', 'study'],
      studies.map((/** @type {any} */ s) => [
        h('a', { href: open(s.studyUid), title: s.patientName ?? '' }, personName(s.patientName)),
        s.patientId,
        daText(s.patientBirthDate),
        s.accessionNumber,
        daText(s.studyDate),
        s.studyDescription,
        s.modalities.join(', '),
        s.series,
        s.instances,
        when(s.lastReceivedAt),
        shortUid(s.studyUid),
      ]),
      q.size ? 'no study matches' : 'no study received yet',
      { id: 'study-list', class: 'rows' },
      studies.map((/** @type {any} */ s) => ({
        'data-study': s.studyUid,
        onclick: (/** @type {MouseEvent} */ e) => {
          if (!(e.target instanceof HTMLAnchorElement)) location.hash = open(s.studyUid);
        },
      })),
    ),
  );
}
