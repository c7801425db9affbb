/**
 * `npm run bench`: every benchmark, each with its reference measured in the same run.
 * - engine (bench/engine.ts): time per step and per slice; wall time against model time;
 * - ingest (bench/ingest.ts): our SCP against DCMTK storescp on the same instances, peak RSS;
 * - scale (bench/scale.ts): slices/min with the local executor and 1 and 2 bullmq workers, queue overhead per job.
 * Results go to bench/results/. Never part of `npm test`.
 */
import { spawnSync } from 'node:child_process';

for (const [name, args] of [
  ['engine', ['bench/engine.ts']],
  ['ingest', ['bench/ingest.ts', ...process.argv.slice(2)]],
  ['scale', ['bench/scale.ts']],
] as const) {
  console.log(`\n== ${name} ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${name} benchmark failed (${r.status ?? r.signal})`);
    process.exitCode = 1;
  }
}
