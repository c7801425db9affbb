// @ts-check
import { badge, h, table } from './dom.js';

/**
 * Each preset's measured network contribution, from GET /api/models: the last ablation
 * (`npm run eval -- --ablate`), the preset against its network-free twin on noisy kinds, and
 * whether it earns the UniMIE name with the loaded model, which is what its derived series are
 * called (anything else is labelled classical).
 */

/** @param {number} v @param {number} digits */
function signed(v, digits) {
  const s = v.toFixed(digits);
  return v > 0 ? `+${s}` : s;
}

/** @param {any} record the model's `contributionRecord` */
function recordNote(record) {
  if (!record) return h('p', { class: 'muted' }, 'No contribution record is read: no preset is called UniMIE.');
  if (record.state === 'loaded') return h('p', { class: 'muted' }, `Measured contribution from ${record.path}.`);
  if (record.state === 'missing') return h('p', { class: 'muted', 'data-record': 'missing' }, `No contribution record at ${record.path}: every enhancement is labelled classical.`);
  return h('p', { class: 'message error', 'data-record': 'unreadable' }, `Contribution record ${record.path} unreadable (${record.problem ?? '?'}): every enhancement is labelled classical.`);
}

/** @param {any[]} models the body of GET /api/models */
export function modelsTable(models) {
  const rows = models.flatMap((m) =>
    (m.presets ?? []).map((/** @type {any} */ p) => {
      const x = p.measurement;
      return {
        cells: [
          p.name,
          `${m.id}${m.sha256 ? ` · ${m.sha256.slice(0, 12)}…` : ' (not loaded)'}`,
          h('span', { class: `badge ${p.unimie ? 'done' : 'pending'}`, title: p.reason }, p.label),
          x ? `${signed(x.noisy.contributionDb, 2)} dB / ${signed(x.noisy.contributionSsim, 3)}` : '—',
          x ? `${x.noisy.agreementDb.toFixed(1)} dB` : '—',
          x ? `${x.barDb} dB` : '—',
          x ? `${x.set} · ${x.commit.slice(0, 10)} · ${x.createdAt.slice(0, 10)}` : '—',
          h('span', { class: 'muted' }, p.reason),
        ],
        props: { 'data-preset': p.name, 'data-label': p.label },
      };
    }),
  );
  return h(
    'div',
    {},
    table(
      ['preset', 'model', 'called', 'gain over twin (noisy, PSNR / SSIM)', 'agreement', 'bar', 'set · commit · date', 'why'],
      rows.map((r) => r.cells),
      'no enhancement presets',
      { id: 'models' },
      rows.map((r) => r.props),
    ),
    recordNote(models[0]?.contributionRecord),
  );
}

/**
 * What produced the pixels (provenance `whatRan`): UniMIE or classical and why, the sampler,
 * the patch grid and every classical step.
 * @param {any} w
 */
export function whatRanText(w) {
  if (!w) return h('span', { class: 'muted' }, 'not recorded');
  const sampler =
    w.estimator === 'network'
      ? `${w.networkEvaluationsPerPatch} network evaluations per patch from timestep ${w.startTimestep}`
      : `network-free from timestep ${w.startTimestep}`;
  return h(
    'span',
    { 'data-what-ran': w.namedUnimie ? 'UniMIE' : 'classical' },
    badge(w.namedUnimie ? 'UniMIE' : 'classical'),
    ` ${w.namingReason}. `,
    `${sampler}, patch ${w.patchSize} stride ${w.stride} (${w.patchesPerImage} per image); `,
    `classical steps: ${w.classicalSteps.length ? w.classicalSteps.join(', ') : 'none'}`,
  );
}
