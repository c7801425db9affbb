import type { Command } from 'commander';
import { createLogger } from '../shared/log.js';
import { startNode } from '../app/node.js';
import { createEngineEnhancer } from '../pipeline/engine-enhancer.js';
import { countJobsByState } from '../provenance/jobs.js';
import { countDeliveriesByState } from '../provenance/deliveries.js';
import { listDerivedSeriesBySource } from '../provenance/derived-series.js';
import { listSeries } from '../provenance/series.js';
import { createDcmjsScu } from '../net/dcmjs-dimse-scu.js';
import { collectStoreItems } from './store-items.js';

/**
 * `demo`: the main job on embedded defaults. Starts the node from config/, sends the sample studies
 * to it over C-STORE (as STORESCU), completes the series without waiting for the quiet period,
 * enhances them with the shipped model and waits until every derived series is delivered to the
 * configured destination (by default the folder var/outbox). Prints what went where.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('send the sample studies through the node and wait for the derived series')
    .option('--studies <dir>', 'folder of studies to send', 'sample-studies')
    .option('--timeout <seconds>', 'give up after this long', '1800')
    .action(async (opts: { studies: string; timeout: string }) => {
      const configDir = program.opts<{ config: string }>().config;
      const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
      const node = await startNode({
        configDir,
        log,
        createEnhancer: createEngineEnhancer,
        onJobEvent: (e) => {
          if (e.type === 'started') process.stdout.write(`job ${e.job.id}: ${e.job.rule_name} on series …${e.job.series_uid.slice(-12)}\n`);
          if (e.type === 'done') process.stdout.write(`job ${e.jobId}: ${e.derived} derived instance(s) in ${(e.ms / 1000).toFixed(1)} s\n`);
          if (e.type === 'failed') process.stdout.write(`job ${e.jobId}: ${e.state}: ${e.error}\n`);
        },
      });
      const started = Date.now();
      try {
        const listener = node.config().listeners[0];
        if (!listener) throw new Error('config has no listener');
        const caller = listener.allow.find((a) => a.aeTitle !== '*')?.aeTitle ?? 'STORESCU';
        const { items, skipped } = await collectStoreItems([opts.studies]);
        process.stdout.write(`sending ${items.length} instance(s) from ${opts.studies} to ${listener.aeTitle}@${listener.host}:${listener.port} as ${caller}\n`);
        if (skipped.length > 0) process.stdout.write(`  ${skipped.length} non-DICOM file(s) skipped\n`);
        const outcomes = await createDcmjsScu({ log }).store(
          { aeTitle: listener.aeTitle, host: listener.host, port: listener.port, callingAeTitle: caller },
          items,
        );
        const failed = outcomes.filter((o) => o.status !== 0).length;
        process.stdout.write(`stored ${outcomes.length - failed}/${items.length}\n`);
        node.router.flush();
        const deadline = started + Number(opts.timeout) * 1000;
        while (Date.now() < deadline) {
          const jobs = countJobsByState(node.db);
          const del = countDeliveriesByState(node.db);
          if (!jobs.pending && !jobs.running && !jobs.failed && !del.pending && !del.sending && node.router.pendingCount() === 0) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        printSummary(node.db, node.config().destinations);
        const jobs = countJobsByState(node.db);
        const del = countDeliveriesByState(node.db);
        process.stdout.write(`jobs ${JSON.stringify(jobs)}, deliveries ${JSON.stringify(del)}, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        if (jobs.dead || del.dead || jobs.pending || jobs.running) process.exitCode = 1;
      } finally {
        await node.stop();
      }
    });
}

function printSummary(db: Parameters<typeof listSeries>[0], destinations: Record<string, { kind: string; path?: string }>): void {
  for (const s of listSeries(db, { ownOutput: false, limit: 1000 })) {
    const derived = listDerivedSeriesBySource(db, s.seriesUid);
    const label = `${s.modality ?? '??'} ${s.description ?? ''}`.trim();
    if (derived.length === 0) {
      process.stdout.write(`  ${label} (${s.instanceCount} instance(s)): no derived series (dropped by rule or not processable)\n`);
      continue;
    }
    for (const d of derived) process.stdout.write(`  ${label} → series ${d.seriesNumber} "${d.description}" (${d.seriesUid})\n`);
  }
  for (const [name, d] of Object.entries(destinations)) {
    if (d.kind === 'folder') process.stdout.write(`destination ${name}: ${d.path}\n`);
  }
}
