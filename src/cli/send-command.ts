import type { Command } from 'commander';
import { createLogger } from '../shared/log.js';
import { createDcmjsScu } from '../net/dcmjs-dimse-scu.js';
import { formatStatus } from '../dicom/status.js';
import { collectStoreItems, parsePeer } from './store-items.js';

/** `send`: C-STORE files or folders to a peer, one association per transfer syntax. */
export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description('send DICOM files or folders to a peer with C-STORE')
    .argument('<paths...>', 'files or folders (recursive)')
    .requiredOption('--to <AE@host:port>', 'called AE title, host and port')
    .option('--aet <title>', 'our calling AE title', 'STORESCU')
    .action(async (paths: string[], opts: { to: string; aet: string }) => {
      const json = program.opts<{ json?: boolean }>().json;
      const peer = parsePeer(opts.to);
      const { items, skipped } = await collectStoreItems(paths);
      const scu = createDcmjsScu({ log: createLogger({ level: 'warn' }) });
      const outcomes = await scu.store({ ...peer, callingAeTitle: opts.aet }, items);
      const failed = outcomes.filter((o) => o.status !== 0);
      if (json) {
        process.stdout.write(JSON.stringify({ sent: outcomes.length - failed.length, failed, skipped }, null, 2) + '\n');
      } else {
        process.stdout.write(`sent ${outcomes.length - failed.length}/${items.length} to ${opts.to}\n`);
        for (const f of failed) process.stdout.write(`  failed ${f.sopInstanceUid}: ${f.status === undefined ? f.error : formatStatus(f.status)}\n`);
        for (const s of skipped) process.stdout.write(`  skipped ${s.path}: ${s.why}\n`);
      }
      if (failed.length > 0) process.exitCode = 1;
    });
}
