import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../shared/log.js';
import { openDatabase, type Db } from '../provenance/database.js';
import { requeueOrphanedJobs } from '../provenance/jobs.js';
import { Spool } from '../spool/spool.js';
import { NodeMetrics } from '../api/node-metrics.js';
import { Alerter } from '../alerts/alerter.js';
import { NodeAudit } from '../audit/node-audit.js';

/** What every part of the node is wired with: config, storage and what watches it (metrics, alerts, audit). */
export interface NodeCore {
  config(): LoadedConfig;
  log: Logger;
  db: Db;
  spool: Spool;
  metrics: NodeMetrics;
  alerter: Alerter;
  audit: NodeAudit;
}

/** Opens the database (migrations) and the spool, requeues jobs a dead process left running, then starts alerts and audit. */
export async function openNodeCore(config: () => LoadedConfig, log: Logger): Promise<NodeCore> {
  const { db, spool } = await openStorage(config().node.dataDir, log);
  const metrics = new NodeMetrics();
  metrics.attach({ db, destinations: () => Object.keys(config().destinations), diskFree: () => spool.diskFree() });
  return { config, log, db, spool, metrics, ...startOversight({ config, log, db, metrics }) };
}

async function openStorage(dataDir: string, log: Logger): Promise<{ db: Db; spool: Spool }> {
  const db = openDatabase(join(dataDir, 'provenance.sqlite'), undefined, { log });
  const spool = new Spool(join(dataDir, 'spool'));
  await spool.init();
  const orphaned = requeueOrphanedJobs(db);
  log.info({ dataDir, orphanedJobs: orphaned }, 'storage ready');
  return { db, spool };
}

function startOversight(core: Pick<NodeCore, 'config' | 'log' | 'db' | 'metrics'>): Pick<NodeCore, 'alerter' | 'audit'> {
  const { config, log, db, metrics } = core;
  // Webhook / SMTP alerts (src/alerts/): raised by the hooks the wiring sets, stored, sent in the background.
  const alerter = new Alerter({
    db,
    settings: () => config().alerts,
    node: () => config().node.aeTitle,
    log: log.child({ stage: 'alerts' }),
    onOutcome: (channel, outcome) => metrics.alertOutcome(channel, outcome),
    onSuppressed: (event, n) => metrics.alertSuppressed(event, n),
  });
  alerter.start();
  // Audit trail (src/audit/): associations, exports and reloads recorded; sent to audit.syslog when set.
  const audit = new NodeAudit({ db, config, log: log.child({ stage: 'audit' }) });
  audit.start();
  return { alerter, audit };
}
