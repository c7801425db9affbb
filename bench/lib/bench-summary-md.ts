/** The run summary (bench/lib/bench-summary.ts) as Markdown: bench/results/<date>-summary[-<only>].md. */
import { fmtMs, fmtS } from './bench-goals.js';
import type { BenchSummary, GoalRow } from './bench-summary.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
/** Two decimals, or two significant digits below 0.1 (a loop delay of 0.0057× its reference is not 0.01×). */
const times = (x: number): string => `${x < 0.1 ? x.toPrecision(2) : x.toFixed(2)}×`;
const ratioText = (g: GoalRow): string => (g.ratio === undefined || !Number.isFinite(g.ratio) ? '—' : g.ratioAs === 'percent' ? pct(g.ratio) : times(g.ratio));
const verdictText = (g: GoalRow): string => (g.verdict === 'met' ? '**met**' : g.verdict === 'not met' ? '**not met**' : g.note ? `${g.verdict}: ${g.note}` : g.verdict);
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const duration = (s: number): string => (s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);
const loads = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' / ');

export function renderSummaryMarkdown(s: BenchSummary): string {
  const c = s.conditions;
  const ran = s.benchmarks.filter((b) => b.status !== 'not run').map((b) => b.name);
  const skipped = s.benchmarks.filter((b) => b.status === 'not run').map((b) => b.name);
  const out: string[] = [
    `# Benchmarks — ${c.startedAt.slice(0, 10)}, ${c.host}`,
    '',
    `\`${c.command}\`: ran ${ran.join(', ') || 'nothing'}${skipped.length ? `; not selected: ${skipped.join(', ')}` : ''}.`,
    '',
    `- Host ${c.host} (${c.cpu}), Node ${c.node}, commit ${c.commit}${c.uncommittedChanges ? ' with uncommitted changes' : ''}.`,
    `- Load average (1 / 5 / 15 min) at the start ${loads(c.loadAverageStart)}, at the end ${loads(c.loadAverageEnd)}; ${c.startedAt} → ${c.endedAt}.`,
    '',
    '## Goals (issue 15), each against a reference measured in the same run',
    '',
    '| goal | measured | reference (same run) | ratio | ratio of | target | verdict |',
    '|---|---:|---|---:|---|---|---|',
    ...s.goals.map((g) => `| ${cell(g.goal)} | ${cell(g.measured)} | ${cell(g.reference)} | ${ratioText(g)} | ${cell(g.ratioOf)} | ${cell(g.target)} | ${cell(verdictText(g))} |`),
    '',
    '## Benchmarks of this run',
    '',
    '| benchmark | status | time | reports (CPU figures of this machine) |',
    '|---|---|---:|---|',
    ...s.benchmarks.map(
      (b) =>
        `| ${b.name} | ${b.status === 'failed' ? `**failed** (${b.detail})` : b.status} | ${b.seconds === undefined ? '—' : duration(b.seconds)} | ${b.reports.map((r) => `[${r}](${r})`).join(', ') || '—'} |`,
    ),
    '',
    '## GPU',
    '',
  ];
  if ('notMeasured' in s.gpu) {
    out.push(s.gpu.notMeasured, '');
  } else {
    const g = s.gpu;
    out.push(`Device: ${g.device}; ${g.software}. Results of bench/gpu/device-run.sh from \`${g.dir}\`${g.writtenAt ? `, written ${g.writtenAt}` : ''}.`, '');
    out.push('| patches per call | onnxruntime ms | PyTorch fp16 ms | PyTorch / onnxruntime |', '|---:|---:|---:|---:|');
    for (const k of g.calls) {
      out.push(`| ${k.batch} | ${fmtMs(k.onnxruntimeMs)} | ${k.torchMs === undefined ? '—' : fmtMs(k.torchMs)} | ${k.torchOverOnnxruntime === undefined ? '—' : `${k.torchOverOnnxruntime.toFixed(2)}×`} |`);
    }
    out.push('', '| slice case | network steps | per slice | model calls per slice | outside the model |', '|---|---:|---:|---:|---:|');
    for (const x of g.slices) out.push(`| ${cell(x.label)} | ${x.networkSteps} | ${fmtS(x.msPerSlice)} | ${fmtS(x.modelMsPerSlice)} | ${x.outsideShare === null ? '—' : pct(x.outsideShare)} |`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
