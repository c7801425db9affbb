import { FlowProducer, Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { QueueNames } from './queue-names.js';

/** The node's BullMQ connections for one executor: it publishes flows, completes their parents and listens to both queues. */
export interface BullmqClients {
  flows: FlowProducer;
  sliceQueue: Queue;
  seriesQueue: Queue;
  seriesEvents: QueueEvents;
  sliceEvents: QueueEvents;
  close(): Promise<void>;
}

/**
 * Opens the clients and waits until the queues are ready. Connection problems are logged, not
 * thrown: BullMQ reconnects by itself, and a flow lost meanwhile is noticed by its poll.
 */
export async function openBullmqClients(names: QueueNames, connection: ConnectionOptions, log: Logger): Promise<BullmqClients> {
  const flows = new FlowProducer({ connection });
  const sliceQueue = new Queue(names.slices, { connection });
  const seriesQueue = new Queue(names.series, { connection });
  const seriesEvents = new QueueEvents(names.series, { connection });
  const sliceEvents = new QueueEvents(names.slices, { connection });
  // The parent of a flow moves to `wait` once its last child completes; completing it here is
  // what marks the batch done.
  const parents = new Worker(names.series, async (job) => Object.keys(await job.getChildrenValues()).length, {
    connection,
    concurrency: 16,
    name: 'node',
  });
  const connectionProblem = (err: Error): void => log.warn({ err: errorMessage(err) }, 'Redis connection problem');
  flows.on('error', connectionProblem);
  sliceQueue.on('error', connectionProblem);
  seriesQueue.on('error', connectionProblem);
  seriesEvents.on('error', connectionProblem);
  sliceEvents.on('error', connectionProblem);
  parents.on('error', connectionProblem);
  await Promise.all([sliceQueue.waitUntilReady(), seriesQueue.waitUntilReady(), seriesEvents.waitUntilReady(), sliceEvents.waitUntilReady()]);
  return {
    flows,
    sliceQueue,
    seriesQueue,
    seriesEvents,
    sliceEvents,
    async close() {
      await parents.close();
      await Promise.all([flows.close(), sliceEvents.close(), seriesEvents.close(), sliceQueue.close(), seriesQueue.close()]);
    },
  };
}
