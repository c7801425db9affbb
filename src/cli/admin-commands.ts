import { describeActions } from '../route/describe-actions.js';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { dryRun, formatDryRun } from '../route/dry-run.js';
import { configDirOf, openNodeDatabase, print } from './cli-context.js';
import { lineageOf } from '../provenance/lineage.js';
import { requeueDelivery } from '../provenance/deliveries.js';
import { requeueJob } from '../provenance/jobs.js';
import { echoDestination } from '../export/echo-destination.js';
import { describeDestination, fromResolvedDestination } from '../export/destination-kinds.js';
import type { ResolvedDestination } from '../config/types.js';
import { createDcmjsScu } from '../net/dcmjs-dimse-scu.js';
import { createLogger } from '../shared/log.js';

/** `config check`, `rules test`, `lineage`, `requeue`: thin commands over the same services. */
export function registerAdminCommands(program: Command): void {
  const config = program.command('config').description('configuration tools');
  config
    .command('check')
    .description('validate node.yaml and rules.yaml (errors name file and line)')
    .action(() => {
      const c = loadConfig(configDirOf(program));
      print(program, { ok: true, files: c.files, listeners: c.listeners.length, rules: c.rules.length }, () =>
        [
          `ok: ${c.files.node}, ${c.files.rules}`,
          ...c.listeners.map((l) => `listener ${l.name}: ${l.aeTitle}@${l.host}:${l.port} (${l.transport}), ${l.allow.length} allowed caller(s)`),
          ...Object.entries(c.destinations).map(([n, d]) => `destination ${n}: ${describeDestination(d).address} (${d.kind})`),
          ...c.rules.map((r) => `rule ${r.index + 1} ${r.name}${r.isDefault ? ' (default)' : ''}: ${describeActions(r.actions)}`),
        ].join('\n'),
      );
    });

  const rules = program.command('rules').description('routing rules');
  rules
    .command('test')
    .description('show, for each file, which rule fires and why (sends and writes nothing)')
    .argument('<paths...>', 'DICOM files or folders')
    .option('--calling <ae>', 'calling AE title to assume', 'STORESCU')
    .option('--called <ae>', 'called AE title to assume')
    .action(async (paths: string[], opts: { calling: string; called?: string }) => {
      const c = loadConfig(configDirOf(program));
      const report = await dryRun(c, paths, { callingAe: opts.calling, calledAe: opts.called ?? c.listeners[0]?.aeTitle });
      print(program, report, () => formatDryRun(report));
    });

  program
    .command('echo')
    .description('C-ECHO a configured destination (QIDO-RS GET /studies?limit=1 for a DICOMweb one; for a folder, check it is writable)')
    .argument('<destination>', 'destination name from node.yaml')
    .action(async (name: string) => {
      const c = loadConfig(configDirOf(program));
      const d = c.destinations[name];
      if (!d) throw new Error(`no destination "${name}" in ${c.files.node}`);
      const r = await echoDestination(fromResolvedDestination(d as ResolvedDestination), { scu: createDcmjsScu({ log: createLogger({ level: 'warn' }) }) });
      print(program, r, () => (r.ok ? `${name}: ok${r.httpStatus !== undefined ? ` (HTTP ${r.httpStatus})` : ''} (${Math.round(r.ms)} ms)` : `${name}: failed: ${r.error ?? r.status}`));
      if (!r.ok) process.exitCode = 1;
    });

  const openDb = () => openNodeDatabase(program);

  program
    .command('lineage')
    .description('where a derived instance came from, or where a source instance went')
    .argument('<sopInstanceUid>')
    .action((uid: string) => {
      const db = openDb();
      try {
        const l = lineageOf(db, uid);
        print(program, l, () => JSON.stringify(l, null, 2));
      } finally {
        db.close();
      }
    });

  program
    .command('requeue')
    .description('put a dead delivery (delivery:<id>) or job (job:<id>) back in the queue')
    .argument('<what>', 'delivery:<id> or job:<id>')
    .action((what: string) => {
      const m = /^(delivery|job):(\d+)$/.exec(what);
      if (!m) throw new Error('expected delivery:<id> or job:<id>');
      const db = openDb();
      try {
        const ok = m[1] === 'job' ? requeueJob(db, Number(m[2])) : requeueDelivery(db, Number(m[2]), Date.now());
        print(program, { requeued: ok }, () => (ok ? `${what} requeued` : `${what} was not dead/failed; nothing changed`));
        if (!ok) process.exitCode = 1;
      } finally {
        db.close();
      }
    });
}
