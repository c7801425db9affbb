// @ts-check
import { apiJson, apiPost } from './api.js';
import { errorText, fill, h, message } from './dom.js';

/** `modality equals CT`, `not SeriesDescription regex /x/i`, `SliceThickness range [1, 5]`. @param {string} name @param {any} c */
function conditionText(name, c) {
  const t = c.test;
  const test = t.op === 'equals' ? `= ${t.value}` : t.op === 'regex' ? `~ /${t.pattern}/${t.flags}` : `in [${t.min ?? '−∞'}, ${t.max ?? '∞'}]`;
  return `${c.not ? 'not ' : ''}${name} ${test}`;
}

/** @param {any} rule */
function matchText(rule) {
  const m = rule.match;
  const parts = ['callingAe', 'calledAe', 'modality', 'sopClass'].filter((k) => m[k]).map((k) => conditionText(k, m[k]));
  for (const t of m.tags ?? []) parts.push(conditionText(t.written, t));
  return parts.length ? parts.join(' and ') : rule.isDefault ? 'anything (default rule)' : 'anything';
}

/** @param {any} a */
function actionsText(a) {
  if (a.kind === 'drop') return 'drop';
  const forward = a.forward.length > 0 ? `forward originals to ${a.forward.join(', ')}` : '';
  if (a.kind === 'forward') return forward;
  const process = `windows ${a.windows.join(', ')} · enhance ${a.enhance} · output ${a.output} · to ${a.destinations.join(', ') || 'nowhere'}`;
  return forward ? `${forward} · ${process}` : process;
}

/** @param {any} rule */
function ruleCard(rule) {
  return h(
    'div',
    { class: 'panel rule', 'data-rule': rule.name },
    h('h3', {}, `${rule.index + 1}. ${rule.name}`, rule.continue ? h('span', { class: 'muted' }, ' (continue)') : null),
    rule.description ? h('p', { class: 'muted' }, rule.description) : null,
    h('dl', { class: 'facts' },
      h('dt', {}, 'match'), h('dd', {}, matchText(rule)),
      h('dt', {}, 'completion'), h('dd', {}, `${rule.completion.scope}, quiet ${rule.completion.quietSeconds} s, late arrival: ${rule.completion.lateArrival}`),
      h('dt', {}, 'actions'), h('dd', {}, actionsText(rule.actions))),
  );
}

/** The rules in force and the dry-run tester (upload a DICOM file; nothing is stored or sent). @type {import('./main.js').View} */
export async function renderRules(main) {
  const config = await apiJson('/api/config');
  const rules = h('div', { id: 'rules' }, ...config.rules.map(ruleCard));
  const file = /** @type {HTMLInputElement} */ (h('input', { type: 'file', id: 'dry-run-file', accept: '.dcm,application/dicom,*/*' }));
  const callingAe = /** @type {HTMLInputElement} */ (h('input', { type: 'text', id: 'dry-run-calling', value: 'STORESCU', size: 16, maxlength: 16, 'aria-label': 'calling AE title' }));
  const result = h('div', { id: 'dry-run-result' });

  const test = async (/** @type {Event} */ e) => {
    e.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return fill(result, message('Choose a DICOM file first', true));
    for (const card of rules.querySelectorAll('.rule')) card.classList.remove('fired');
    try {
      const query = new URLSearchParams({ callingAe: callingAe.value.trim() || 'STORESCU' });
      const r = await apiPost(`/api/rules/dry-run?${query}`, await chosen.arrayBuffer(), 'application/dicom');
      for (const name of r.fired) rules.querySelector(`[data-rule="${CSS.escape(name)}"]`)?.classList.add('fired');
      fill(result, message(r.fired.length ? `Fires: ${r.fired.join(', ')}` : 'No rule fires'), h('pre', {}, r.text));
    } catch (err) {
      fill(result, message(errorText(err), true));
    }
  };

  fill(
    main,
    h('h1', {}, 'Routing rules'),
    h('p', { class: 'muted' }, `From ${config.files.rules}. First match wins unless a rule says continue.`),
    rules,
    h('h2', {}, 'Dry run'),
    h('form', { class: 'inline', id: 'dry-run', onsubmit: test }, file, h('label', {}, 'calling AE ', callingAe), h('button', { type: 'submit', class: 'primary' }, 'Test')),
    result,
  );
}
