// @ts-check
import { apiJson } from './api.js';
import { badge, bytes, fill, h, shortUid, table, when } from './dom.js';
import { modelsTable } from './view-models.js';

/**
 * How far a job is, 0–1, from its progress heartbeat: windows × slices, with the diffusion step
 * of the batch in flight counted as part of one slice.
 * @param {any} job
 */
export function jobFraction(job) {
  if (job.state === 'done') return 1;
  const p = job.progress;
  if (!p || !p.slices) return 0;
  const windows = p.windows || 1;
  const inBatch = p.steps && p.slicesDone < p.slices ? p.step / p.steps : 0;
  const inWindow = Math.min(1, (p.slicesDone + inBatch) / p.slices);
  return Math.min(1, ((p.windowIndex ?? 0) + inWindow) / windows);
}

/** @param {any} job */
function progressLabel(job) {
  const p = job.progress;
  if (job.state === 'done') return 'done';
  if (!p) return job.state === 'pending' ? 'waiting' : '';
  const parts = [`${p.window ?? ''} ${(p.windowIndex ?? 0) + 1}/${p.windows ?? 1}`, `slice ${p.slicesDone}/${p.slices}`];
  if (p.steps) parts.push(`step ${p.step}/${p.steps}`);
  return parts.join(' · ');
}

/** @param {any} job */
function progressBar(job) {
  const pct = Math.round(jobFraction(job) * 100);
  return h('div', { class: 'progress', title: `${pct}%`, 'data-percent': pct }, h('div', { style: { width: `${pct}%` } }), h('span', {}, progressLabel(job)));
}

/** @param {string} label @param {number | string | null | undefined} n a count, or a word (the executor kind) @param {string} [key] */
function card(label, n, key) {
  return h('div', { class: 'card', 'data-card': key ?? label }, h('div', { class: 'n' }, n ?? '—'), h('div', { class: 'l' }, label));
}

/** @param {any} s */
function cards(s) {
  return h(
    'div',
    { class: 'cards' },
    card('jobs running', s.jobs.running ?? 0, 'jobs-running'),
    card('jobs waiting', s.jobs.pending ?? 0, 'jobs-pending'),
    card('jobs done', s.jobs.done ?? 0, 'jobs-done'),
    card('jobs failed/dead', (s.jobs.failed ?? 0) + (s.jobs.dead ?? 0), 'jobs-bad'),
    card('series in quiet period', s.pendingSeries, 'pending-series'),
    card('deliveries queued', (s.deliveries.pending ?? 0) + (s.deliveries.sending ?? 0), 'deliveries-queued'),
    card('delivered', s.deliveries.done ?? 0, 'deliveries-done'),
    card('dead deliveries', s.deliveries.dead ?? 0, 'deliveries-dead'),
    card('quarantined', s.quarantined, 'quarantined'),
    ...executorCards(s.executor),
  );
}

/**
 * Where enhancement runs; for the BullMQ executor also its queue depth and workers.
 * @param {any} e
 */
function executorCards(e) {
  if (!e) return [card('executor', 'render only', 'executor')];
  if (e.kind === 'local') return [card('executor', 'local', 'executor')];
  if (!e.redisUp) return [card('executor', 'bullmq · Redis down', 'executor')];
  return [
    card('executor', 'bullmq', 'executor'),
    card('slice jobs waiting', e.jobs?.waiting ?? 0, 'executor-waiting'),
    card('slice jobs active', e.jobs?.active ?? 0, 'executor-active'),
    card('workers', e.workers ?? 0, 'executor-workers'),
  ];
}

/** @param {any[]} jobs */
export function jobsTable(jobs) {
  return table(
    ['job', 'rule', 'study / series', 'state', 'progress', 'attempts', 'updated', 'error'],
    jobs.map((j) => [
      `#${j.id}`,
      j.ruleName,
      h('a', { href: `#/study/${j.studyUid}` }, shortUid(j.seriesUid)),
      badge(j.state),
      progressBar(j),
      `${j.attempts}/${j.maxAttempts}`,
      when(j.updatedAt),
      j.lastError ? h('span', { class: 'muted' }, j.lastError) : '',
    ]),
    'no jobs yet',
    { id: 'jobs' },
    jobs.map((j) => ({ 'data-job-id': j.id, 'data-state': j.state })),
  );
}

/** @param {any[]} associations */
export function associationsTable(associations) {
  return table(
    ['started', 'calling → called', 'from', 'outcome', 'instances', 'bytes', 'failures', 'reason'],
    associations.map((a) => [
      when(a.startedAt),
      `${a.callingAe} → ${a.calledAe}`,
      `${a.remoteHost}${a.tls ? ' (TLS)' : ''}`,
      badge(a.outcome),
      a.instancesReceived,
      bytes(a.bytesReceived),
      a.failures,
      a.rejectReason ?? '',
    ]),
    'no associations yet',
    { class: 'associations' },
  );
}

/** @param {any[]} studies */
function studiesTable(studies) {
  return table(
    ['study', 'modalities', 'series', 'instances', 'last received'],
    studies.map((s) => [
      h('a', { href: `#/study/${s.studyUid}`, 'data-study': s.studyUid }, shortUid(s.studyUid)),
      s.modalities.join(', '),
      s.series,
      s.instances,
      when(s.lastReceivedAt),
    ]),
    'nothing received yet',
    { id: 'studies' },
  );
}

/** The live overview: counts, jobs with progress, associations, studies. @type {import('./main.js').View} */
export async function renderOverview(main, _params, live) {
  const top = h('div', {});
  const jobs = h('div', {});
  const assoc = h('div', {});
  const studies = h('div', {}, studiesTable(await apiJson('/api/studies?limit=50')));
  const models = h('div', {}, modelsTable(await apiJson('/api/models')));
  fill(
    main,
    h('h1', {}, 'Overview'),
    top,
    h('h2', {}, 'Jobs'),
    jobs,
    h('h2', {}, 'Studies'),
    studies,
    h('h2', {}, 'Presets: measured network contribution'),
    models,
    h('h2', {}, 'Associations'),
    assoc,
  );
  let lastCounts = '';
  return live.subscribe((s) => {
    fill(top, cards(s));
    fill(jobs, jobsTable(s.recentJobs));
    fill(assoc, associationsTable(s.recentAssociations));
    const counts = JSON.stringify([s.jobs, s.recentAssociations.length, s.recentAssociations[0]?.instancesReceived]);
    if (counts !== lastCounts) {
      lastCounts = counts;
      apiJson('/api/studies?limit=50').then((list) => fill(studies, studiesTable(list)), () => undefined);
    }
  });
}
