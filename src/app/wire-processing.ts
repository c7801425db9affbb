import { enqueueDeliveries } from '../provenance/delivery-producer.js';
import { getJob } from '../provenance/jobs.js';
import type { DeliveryWorker } from '../export/delivery-worker.js';
import { ArrivalRouter } from '../pipeline/arrival-router.js';
import { JobRunner, type JobEvent } from '../pipeline/job-runner.js';
import { createDerivedObjectBuilder, createSliceRenderer } from '../pipeline/stage-adapters.js';
import { jobFailedAlert } from '../alerts/alert-event.js';
import type { Enhancement } from './wire-enhancement.js';
import type { NodeCore } from './node-core.js';

export interface Processing {
  runner: JobRunner;
  router: ArrivalRouter;
}

/**
 * The processing stage: the job runner (render → enhance → derive, its objects queued for delivery)
 * and the arrival router that turns stored instances into jobs and forwards. Nothing starts here.
 */
export function createProcessing(
  core: NodeCore,
  enhancement: Enhancement,
  deliveries: DeliveryWorker,
  onJobEvent?: (event: JobEvent) => void,
): Processing {
  const { config, db, log } = core;
  const runner = new JobRunner({
    db,
    log: log.child({ stage: 'job' }),
    pipeline: {
      db,
      spool: core.spool,
      renderer: createSliceRenderer(config),
      enhancer: enhancement.enhancer,
      builder: createDerivedObjectBuilder(config().node.aeTitle),
      log,
      slicesPerBatch: config().executor.slicesPerBatch,
      contribution: () => enhancement.contribution.record(),
    },
    deliver: (job, action, derived) => {
      enqueueDeliveries(db, { objects: derived, destinations: action.destinations, jobId: job.id }, Date.now());
      deliveries.kick();
    },
    onJobEvent: (e) => {
      observeJobEvent(core, e);
      onJobEvent?.(e);
    },
  });
  const router = new ArrivalRouter({
    db,
    config,
    log: log.child({ stage: 'route' }),
    onJobsCreated: () => runner.kick(),
    onForwardsQueued: () => deliveries.kick(),
  });
  return { runner, router };
}

/** Counts a job event; a failed job alerts. */
function observeJobEvent({ db, metrics, alerter }: NodeCore, e: JobEvent): void {
  metrics.observeJobEvent(e);
  if (e.type !== 'failed') return;
  const job = getJob(db, e.jobId);
  alerter.raise(jobFailedAlert({ jobId: e.jobId, state: e.state, rule: job?.rule_name ?? 'unknown', seriesUid: job?.series_uid, attempts: job?.attempts, error: e.error }));
}
