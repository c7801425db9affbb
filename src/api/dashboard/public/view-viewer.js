// @ts-check
import { apiJson, imageUrl } from './api.js';
import { badge, errorText, fill, h, message, shortUid, when } from './dom.js';
import { whatRanText } from './view-models.js';

/** The window a derivation used, as the page shows it. @param {any} params */
function windowText(params) {
  const w = params?.window;
  if (!w) return `${params?.windowName ?? '—'} (colour source, not windowed)`;
  return `${params.windowName} (center ${w.center}, width ${w.width})`;
}

/** The facts of one derived slice from its lineage. @param {any} link */
function sliceFacts(link) {
  const d = link.derivation;
  const model = link.model ?? (d.modelId ? { id: d.modelId, sha256: d.modelSha256 ?? '' } : null);
  /** @type {Array<[string, Node | string]>} */
  const rows = [
    ['window preset', windowText(d.params)],
    ['stage', badge(d.stage)],
    ['model', model ? `${model.id} · sha256 ${String(model.sha256).slice(0, 12)}…${model.device ? ` · ${model.device}` : ''}` : 'none (render only)'],
    ['enhancement preset', d.preset ?? 'none'],
    ['steps / seed', d.steps === null ? '—' : `${d.steps} / ${d.seed ?? '—'}`],
    ['what ran', d.stage === 'enhance' ? whatRanText(d.whatRan) : 'render only'],
    ['source instance', h('a', { href: `#/lineage/${d.sourceSopInstanceUid}` }, shortUid(d.sourceSopInstanceUid))],
    ['derived instance', h('a', { href: `#/lineage/${d.derivedSopInstanceUid}` }, shortUid(d.derivedSopInstanceUid))],
    ['made', when(d.createdAt)],
    ['delivered to', link.deliveries.length ? h('span', {}, ...link.deliveries.map((/** @type {any} */ x) => h('span', {}, `${x.destination} `, badge(x.state), ' '))) : 'not queued'],
  ];
  return h('dl', { class: 'facts', id: 'slice-facts' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/**
 * Before/after viewer of a derived series: the source slice rendered server-side with the same
 * window preset next to (or under a slider with) the derived slice, with the window, model and
 * preset from the derivation row. @type {import('./main.js').View}
 */
export async function renderViewer(main, [seriesUid, startIndex]) {
  const series = await apiJson(`/api/series/${seriesUid}`);
  const from = series.derivedFrom;
  if (!from) throw new Error(`series ${seriesUid} was not made by this node`);
  const slices = series.derivedInstances;
  if (!slices.length) throw new Error(`series ${seriesUid} has no derived instances yet`);

  const before = /** @type {HTMLImageElement} */ (h('img', { id: 'before-img', alt: 'before: source slice' }));
  const after = /** @type {HTMLImageElement} */ (h('img', { id: 'after-img', class: 'after', alt: 'after: derived slice' }));
  const divider = h('div', { class: 'divider' });
  const stage = h('div', { id: 'viewer-stage' });
  const facts = h('div', { class: 'panel' });
  const status = h('div', {});
  const sliceLabel = h('span', {});
  const slider = /** @type {HTMLInputElement} */ (h('input', { type: 'range', id: 'slice', min: 0, max: slices.length - 1, value: Math.min(Number(startIndex ?? 0), slices.length - 1) }));
  const reveal = /** @type {HTMLInputElement} */ (h('input', { type: 'range', id: 'reveal', min: 0, max: 100, value: 50 }));
  let mode = 'side';
  /** @type {string[]} */
  let urls = [];

  const applyReveal = () => {
    const x = Number(reveal.value);
    after.style.clipPath = mode === 'overlay' ? `inset(0 0 0 ${x}%)` : '';
    divider.style.left = `${x}%`;
  };
  const layout = () => {
    const windowName = stage.dataset.window ?? '';
    if (mode === 'side') {
      fill(
        stage,
        h('div', { class: 'pair' },
          h('div', { class: 'pane' }, h('div', { class: 'caption' }, `Before — source, window ${windowName}`), before),
          h('div', { class: 'pane' }, h('div', { class: 'caption' }, `After — ${from.description ?? 'derived'}`), after)),
      );
    } else {
      fill(stage, h('div', { class: 'overlay' }, before, after, divider, h('span', { class: 'tag before' }, 'before'), h('span', { class: 'tag after' }, 'after')));
    }
    applyReveal();
  };

  let current = 0;
  const show = async () => {
    const index = Number(slider.value);
    const mine = ++current;
    const slice = slices[index];
    sliceLabel.textContent = `slice ${index + 1} / ${slices.length}`;
    history.replaceState(null, '', `#/viewer/${seriesUid}/${index}`);
    stage.dataset.ready = 'false';
    try {
      const lineage = await apiJson(`/api/lineage/${slice.sopInstanceUid}`);
      const link = lineage.derivedFrom;
      const params = link.derivation.params ?? {};
      const query = new URLSearchParams({ window: params.windowName ?? 'file', frame: String(params.frameIndex ?? 0) });
      const next = await Promise.all([
        imageUrl(`/api/instances/${link.derivation.sourceSopInstanceUid}/render.png?${query}`),
        imageUrl(`/api/derived/${slice.sopInstanceUid}.png`),
      ]);
      if (mine !== current) return next.forEach((u) => URL.revokeObjectURL(u));
      urls.forEach((u) => URL.revokeObjectURL(u));
      urls = next;
      before.src = next[0];
      after.src = next[1];
      await Promise.all([before.decode(), after.decode()]);
      stage.dataset.window = params.windowName ?? '';
      stage.dataset.slice = String(index);
      layout();
      fill(facts, sliceFacts(link));
      fill(status);
      stage.dataset.ready = 'true';
    } catch (err) {
      if (mine === current) fill(status, message(`Cannot show slice ${index + 1}: ${errorText(err)}`, true));
    }
  };

  const modeInput = (/** @type {string} */ value, /** @type {string} */ label) =>
    h('label', {}, h('input', { type: 'radio', name: 'mode', value, checked: value === mode, onchange: () => { mode = value; layout(); } }), ` ${label}`);

  slider.addEventListener('input', () => void show());
  reveal.addEventListener('input', applyReveal);
  fill(
    main,
    h('h1', {}, 'Before / after: ', from.description ?? shortUid(seriesUid)),
    h('p', { class: 'muted' },
      'Source series ', shortUid(from.sourceSeriesUid), ' · study ', h('a', { href: `#/study/${from.studyUid}` }, shortUid(from.studyUid)),
      ` · ${from.outputKind} · job #${from.jobId ?? '—'}`),
    h('div', { class: 'viewer-controls' },
      h('label', {}, 'Slice ', slider), sliceLabel,
      h('span', {}, modeInput('side', 'side by side'), ' ', modeInput('overlay', 'slider overlay')),
      h('label', {}, 'Overlay position ', reveal)),
    status,
    h('div', { class: 'viewer-body' }, stage, facts),
  );
  layout();
  await show();
  return () => {
    current++;
    urls.forEach((u) => URL.revokeObjectURL(u));
  };
}
