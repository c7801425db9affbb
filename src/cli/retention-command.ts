import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { openDatabase } from '../provenance/database.js';
import { RetentionCleaner } from '../retention/cleaner.js';
import { formatRetentionReport } from '../retention/report-text.js';
import { createLogger } from '../shared/log.js';
import { Spool } from '../spool/spool.js';

/**
 * `retention [plan|run] [--dry-run]`: what the retention policy in node.yaml deletes now (plan, or
 * any action with --dry-run: nothing is deleted), or a run that deletes it. Safe beside a running
 * node: every deletion is checked again against the database in the transaction that marks it.
 */
export function registerRetentionCommand(program: Command): void {
  program
    .command('retention')
    .description('list what the retention policy would delete now (plan, --dry-run), or delete it (run)')
    .argument('[action]', 'plan (default) or run', 'plan')
    .option('--dry-run', 'list what would go (paths, sizes, reason); delete nothing')
    .option('--limit <n>', 'units listed in the text output', '50')
    .action(async (action: string, opts: { dryRun?: boolean; limit: string }) => {
      if (action !== 'plan' && action !== 'run') throw new Error(`unknown action "${action}" (plan or run)`);
      const config = loadConfig(program.opts<{ config: string }>().config);
      const spool = new Spool(join(config.node.dataDir, 'spool'));
      await spool.init();
      const db = openDatabase(join(config.node.dataDir, 'provenance.sqlite'));
      try {
        const cleaner = new RetentionCleaner({ db, spool, config: () => config, log: createLogger({ level: config.node.logLevel === 'silent' ? 'silent' : 'warn' }) });
        const report = await cleaner.run({ mode: 'manual', dryRun: action === 'plan' || !!opts.dryRun });
        const json = program.opts<{ json?: boolean }>().json;
        process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatRetentionReport(report, { limit: Number(opts.limit) }) + '\n');
        if (report.errors.length > 0) process.exitCode = 1;
      } finally {
        db.close();
      }
    });
}
