import { join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { errorMessage } from '../shared/errors.js';
import { ConfigWatcher } from '../config/watch.js';
import type { LoadedConfig } from '../config/load.js';
import { openDatabase, type Db } from '../provenance/database.js';
import { requeueOrphanedJobs } from '../provenance/jobs.js';
import { getInstance } from '../provenance/instances.js';
import { enqueueDeliveries } from '../provenance/delivery-producer.js';
import { Spool } from '../spool/spool.js';
import { InstanceReceiver } from '../receive/instance-receiver.js';
import { AssociationRecorder } from '../receive/association-recorder.js';
import { recoverReceiveSide } from '../receive/startup-recovery.js';
import { isOwnOutput } from '../derive/equipment.js';
import { ACCEPTED_TRANSFER_SYNTAXES, canDecodePixels } from '../dicom/transfer-syntax.js';
import type { ScpTransport } from '../net/types.js';
import { DeliveryWorker } from '../export/delivery-worker.js';
import { ArrivalRouter } from '../pipeline/arrival-router.js';
import { JobRunner, type JobEvent } from '../pipeline/job-runner.js';
import { createDerivedObjectBuilder, createSliceRenderer } from '../pipeline/stage-adapters.js';
import { buildDeliveryRoutes } from '../pipeline/delivery-routes.js';
import { createListeners, DiskGuard } from './listeners.js';
import { QueueGuard } from '../receive/queue-guard.js';
import type { SliceEnhancer } from '../enhance/slice-enhancer.js';
import type { AssociationEvents } from '../net/types.js';
import { NodeMetrics } from '../api/node-metrics.js';
import { apiDepsOf } from './node-api-deps.js';
import { startApi, type RunningApi } from '../api/build-api.js';
import { rejectReasonLabel } from '../api/reject-reason-label.js';
import { createBullmqEnhancer } from '../scale/remote-enhancer.js';
import { ContributionSource, SHIPPED_CONTRIBUTION_RECORD } from '../pipeline/contribution-source.js';
import { RetentionCleaner } from '../retention/cleaner.js';
import { Alerter } from '../alerts/alerter.js';
import { deliveryDeadAlert, diskAlert, jobFailedAlert, listenerDownAlert, modelFailedAlert } from '../alerts/alert-event.js';
import { getJob } from '../provenance/jobs.js';
import { NodeAudit } from '../audit/node-audit.js';

export interface NodeOptions {
  /** Config folder holding node.yaml and rules.yaml. */
  configDir: string;
  log: Logger;
  /** The enhancement stage; absent when no model could be loaded (render-only rules still run). */
  createEnhancer?: (config: LoadedConfig, db: Db, log: Logger) => Promise<SliceEnhancer | undefined>;
  onJobEvent?: (event: JobEvent) => void;
  /** Serve the REST API, /metrics and health on config api.host:port (default true). */
  api?: boolean;
}

export interface RunningNode {
  config(): LoadedConfig;
  db: Db;
  spool: Spool;
  router: ArrivalRouter;
  runner: JobRunner;
  deliveries: DeliveryWorker;
  listeners: ScpTransport[];
  metrics: NodeMetrics;
  /** The cleaner (retention: in node.yaml): periodic runs, emergency purge, dry runs for the API. */
  retention: RetentionCleaner;
  api?: RunningApi;
  reload(): ReturnType<ConfigWatcher['reload']>;
  stop(): Promise<void>;
}

/**
 * Starts the node: config, database (migrations), enhancement engine, receive-side recovery (spool
 * temp files, open associations, DCMTK inbox), job runner, export worker, router (with recovery of series received before a restart) and, last, the DICOM
 * listeners — so nothing is accepted before the node can keep it. Stops in reverse order.
 */
export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const log = opts.log;
  const watcher = new ConfigWatcher(opts.configDir, { logger: log });
  const config = (): LoadedConfig => watcher.current;
  const dataDir = config().node.dataDir;

  const db = openDatabase(join(dataDir, 'provenance.sqlite'), undefined, { log });
  const spool = new Spool(join(dataDir, 'spool'));
  await spool.init();
  const orphaned = requeueOrphanedJobs(db);
  log.info({ dataDir, orphanedJobs: orphaned }, 'storage ready');
  const metrics = new NodeMetrics();
  metrics.attach({ db, destinations: () => Object.keys(config().destinations), diskFree: () => spool.diskFree() });
  // Webhook / SMTP alerts (src/alerts/): raised by the hooks below, stored, sent in the background.
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

  // executor.kind bullmq: the same stage, run by `worker` processes through Redis.
  const created = !opts.createEnhancer
    ? undefined
    : config().executor.kind === 'bullmq'
      ? await createBullmqEnhancer(config(), db, log, metrics.registry)
      : await opts.createEnhancer(config(), db, log);
  const enhancer = created && instrumentEnhancer(created, metrics);
  for (const m of created?.models() ?? []) if (!m.loaded) alerter.raise(modelFailedAlert({ model: m.id, problem: m.problem ?? 'not loaded' }));
  // Which presets may be called UniMIE: the last ablation's record (contribution-source.ts).
  const contribution = new ContributionSource(() => config().node.contributionRecord ?? SHIPPED_CONTRIBUTION_RECORD, log);
  if (enhancer) contribution.status();

  const routes = buildDeliveryRoutes(config(), log);
  const deliveries = new DeliveryWorker({
    db,
    transports: routes,
    log: log.child({ stage: 'export' }),
    pollMs: 1000,
    onAttempt: (row, verdict, error) => {
      metrics.deliveryAttempt(row.destination, verdict, (Date.now() - row.createdAt) / 1000);
      audit.deliveries.onAttempt(row, verdict, error);
      if (verdict === 'dead') {
        alerter.raise(deliveryDeadAlert({ destination: row.destination, deliveryId: row.id, jobId: row.jobId, seriesUid: row.seriesUid, attempts: row.attempts + 1, error: error ?? 'unknown' }));
      }
    },
  });

  const runner = new JobRunner({
    db,
    log: log.child({ stage: 'job' }),
    pipeline: {
      db,
      spool,
      renderer: createSliceRenderer(config),
      enhancer,
      builder: createDerivedObjectBuilder(config().node.aeTitle),
      log,
      slicesPerBatch: config().executor.slicesPerBatch,
      contribution: () => contribution.record(),
    },
    deliver: (job, action, derived) => {
      enqueueDeliveries(db, { objects: derived, destinations: action.destinations, jobId: job.id }, Date.now());
      deliveries.kick();
    },
    onJobEvent: (e) => {
      metrics.observeJobEvent(e);
      if (e.type === 'failed') {
        const job = getJob(db, e.jobId);
        alerter.raise(jobFailedAlert({ jobId: e.jobId, state: e.state, rule: job?.rule_name ?? 'unknown', seriesUid: job?.series_uid, attempts: job?.attempts, error: e.error }));
      }
      opts.onJobEvent?.(e);
    },
  });

  const router = new ArrivalRouter({
    db,
    config,
    log: log.child({ stage: 'route' }),
    onJobsCreated: () => runner.kick(),
    onForwardsQueued: () => deliveries.kick(),
  });

  const queueGuard = new QueueGuard(db, () => config().limits.maxQueueDepth);
  const receiver = new InstanceReceiver({
    db,
    spool,
    log: log.child({ stage: 'receive' }),
    onStored: (ev) => {
      metrics.instanceReceived(ev.sopClassUid, ev.transferSyntaxUid, getInstance(db, ev.instanceId)?.size ?? 0);
      router.onStored(ev);
    },
    decodableTransferSyntaxes: ACCEPTED_TRANSFER_SYNTAXES.filter(canDecodePixels),
    maxInstanceBytes: config().limits.maxInstanceMb * 1024 * 1024,
    minFreeBytes: config().limits.minFreeDiskMb * 1024 * 1024,
    isQueueFull: () => queueGuard.full(),
    isOwnOutput,
  });

  // Before anything writes to the spool: temp files of unacknowledged writes, association rows left
  // open by a dead process, files the DCMTK listener wrote but the node had not adopted.
  const recovery = await recoverReceiveSide({ spool, receiver, recorder: new AssociationRecorder({ db, log, transport: 'startup' }), log });
  if (recovery.inbox.kept > 0) log.warn({ kept: recovery.inbox.kept }, 'inbox files kept for a later attempt');

  deliveries.start();
  runner.start();
  await router.recover();

  const diskGuard = new DiskGuard(spool, config().limits.minFreeDiskMb * 1024 * 1024, log, 5000, (low, freeBytes, minFreeBytes) =>
    alerter.raise(diskAlert({ low, freeBytes, minFreeBytes })),
  );
  await diskGuard.start();
  const recorders = new Map<string, AssociationEvents>();
  const listeners = await createListeners(config(), {
    onListenerDown: (l, err) => alerter.raise(listenerDownAlert({ listener: l.name, aeTitle: l.aeTitle, host: l.host, port: l.port, error: errorMessage(err) })),
    receiver,
    log,
    recorder: (transport) => {
      if (!recorders.has(transport)) {
        const rec = new AssociationRecorder({ db, log, transport });
        recorders.set(transport, {
          onAssociationAccepted: (req) => {
            rec.onAssociationAccepted(req);
            metrics.associationAccepted(req.listener);
          },
          onAssociationRejected: (req, rj) => {
            rec.onAssociationRejected(req, rj);
            metrics.associationRejected(req.listener, rejectReasonLabel(rj));
            audit.associationRejected(req, rj.why);
          },
          onAssociationClosed: (req, outcome, err) => {
            rec.onAssociationClosed(req, outcome, err);
            audit.associationEnded(req.id);
          },
        });
      }
      return recorders.get(transport)!;
    },
    isDiskLow: () => diskGuard.low,
    isQueueFull: () => queueGuard.full(),
    inboxDir: spool.inboxDir,
    maxInstanceBytes: config().limits.maxInstanceMb * 1024 * 1024,
  }).catch(async (err: unknown) => {
    // The node will not run: the alert about the listener goes out (or is stored for the next
    // start) first, then what was started stops.
    await alerter.flush(10_000);
    await alerter.stop();
    router.stop();
    diskGuard.stop();
    await runner.stop();
    await created?.close?.();
    await deliveries.stop();
    await audit.stop();
    db.close();
    throw err;
  });

  // Retention reads the policy per run, so a reload changes it; the emergency purge checks free space every 5 s.
  const retention = new RetentionCleaner({
    db,
    spool,
    config,
    log,
    openSeries: () => router.openSeries(),
    onPurged: (folder, reason, files, bytes) => metrics.retention.purged(folder, reason, files, bytes),
    onRun: (r) => Object.entries(r.rows ?? {}).forEach(([table, n]) => metrics.retention.rowsDeleted(table, n)),
  });
  retention.start();

  watcher.on('change', (next, previous) => {
    audit.configurationChanged();
    Object.assign(routes, buildDeliveryRoutes(next, log));
    for (const name of Object.keys(routes)) if (!(name in next.destinations)) delete routes[name];
    if (JSON.stringify(next.listeners) !== JSON.stringify(previous.listeners)) {
      log.warn('listener changes take effect at the next restart');
    }
  });
  watcher.watch();

  log.info(
    { listeners: config().listeners.map((l) => `${l.aeTitle}@${l.host}:${l.port} (${l.transport})`), enhancement: !!enhancer },
    'node started',
  );

  let stopped = false;
  const node: RunningNode = {
    config,
    db,
    spool,
    router,
    runner,
    deliveries,
    listeners,
    metrics,
    retention,
    reload: () => watcher.reload('sighup'),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await node.api?.close();
      watcher.close();
      await Promise.all(listeners.map((l) => l.stop().catch((err) => log.error({ err: errorMessage(err) }, 'listener stop failed'))));
      router.stop();
      diskGuard.stop();
      await runner.stop();
      await created?.close?.();
      await deliveries.stop();
      // Alerts raised while stopping get a moment to go out; the rest wait for the next start.
      await alerter.flush(2000);
      await alerter.stop();
      await retention.stop();
      await audit.stop();
      db.close();
      log.info('node stopped');
    },
  };
  if (opts.api !== false) {
    const deps = apiDepsOf(node, {
      log: log.child({ stage: 'api' }),
      metrics,
      models: () => enhancer?.models() ?? [],
      executor: async () => (await enhancer?.executorStatus?.()) ?? null,
      contribution: () => contribution.status(),
      // STOW-RS (stow: in node.yaml) takes objects in through the same receiver and guards as C-STORE.
      stow: { ingest: (input) => receiver.ingest(input), isDiskLow: () => diskGuard.low, isQueueFull: () => queueGuard.full() },
    });
    metrics.attach({ listeners: deps.listeners });
    try {
      node.api = await startApi(deps, { host: config().api.host, port: config().api.port, tls: config().api.tls });
    } catch (err) {
      await node.stop();
      throw err;
    }
    // SIGHUP re-reads the certificate files: a renewed certificate is served without a restart.
    watcher.on('change', (next, previous) => {
      const [tls, before] = [next.api.tls, previous.api.tls];
      if (tls?.cert === before?.cert && tls?.key === before?.key && tls?.ca === before?.ca) return;
      try {
        if (tls && node.api?.setTls(tls)) log.info({ stage: 'api', cert: tls.files.cert }, 'API certificate reloaded');
        else log.warn({ stage: 'api' }, 'switching the API between HTTP and HTTPS takes effect at the next restart');
      } catch (err) {
        // A key that does not match its certificate: the one in use stays.
        log.error({ stage: 'api', cert: tls?.files.cert, err: errorMessage(err) }, 'API certificate refused; the previous one is still served');
      }
    });
  }
  return node;
}

/** Feeds diffusion and model timings of every enhanced slice into the metrics. */
function instrumentEnhancer(enhancer: SliceEnhancer, metrics: NodeMetrics): SliceEnhancer {
  const device = enhancer.models().find((m) => m.loaded)?.device ?? 'cpu';
  return {
    ...enhancer,
    enhance: async (images, preset, opts) => {
      const out = await enhancer.enhance(images, preset, opts);
      for (const r of out) {
        const t = r.timings;
        const steps = t.perStepMs > 0 ? Math.round(t.totalMs / t.perStepMs) : 0;
        if (steps > 0) metrics.diffusionSteps(steps, t.totalMs / 1000, t.patchEvaluations / steps);
        if (t.modelMs !== undefined) metrics.modelExecution(device, t.modelMs / 1000);
      }
      return out;
    },
  };
}
