/**
 * `npm run bench`: every benchmark, each with its reference measured in the same run.
 * - engine (bench/engine.ts): time per step and per slice for 256²–1024²; wall time against model time;
 *   patches per call 1–32 against the same U-Net in PyTorch; series of 10–100 slices against 10;
 * - ingest (bench/ingest.ts): our SCP against DCMTK storescp on the same instances, peak RSS;
 * - export (bench/export.ts): our SCU against DCMTK storescu, same files, same storescp;
 * - steps-quality (bench/steps-quality.ts): PSNR/SSIM and time per slice for 10–250 steps against the input;
 * - scale (bench/scale.ts): slices/min with the local executor and 1 and 2 bullmq workers, queue overhead per job;
 * - end-to-end (bench/end-to-end.ts): last instance received → derived series delivered, against the engine's time;
 * - responsiveness (bench/responsiveness.ts): event-loop delay and C-STORE round trip while a series is
 *   enhanced, engine thread against the engine on the node's thread.
 * Results go to bench/results/. Never part of `npm test`.
 */
import { spawnSync } from 'node:child_process';

for (const [name, args] of [
  ['engine', ['bench/engine.ts']],
  ['ingest', ['bench/ingest.ts', ...process.argv.slice(2)]],
  ['export', ['bench/export.ts']],
  ['scale', ['bench/scale.ts']],
  ['steps-quality', ['bench/steps-quality.ts']],
  ['end-to-end', ['bench/end-to-end.ts']],
  ['responsiveness', ['bench/responsiveness.ts']],
] as const) {
  console.log(`\n== ${name} ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${name} benchmark failed (${r.status ?? r.signal})`);
    process.exitCode = 1;
  }
}
