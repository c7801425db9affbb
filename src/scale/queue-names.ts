/** Queue and job names of the scale-out executor (one place, shared by node and workers). */
export interface QueueNames {
  /** Slice jobs, taken by `worker` processes. */
  slices: string;
  /** Series-batch parents, completed by the node once every slice job is in. */
  series: string;
}

export function queueNames(base: string): QueueNames {
  return { slices: base, series: `${base}-series` };
}

export const SLICE_JOB = 'enhance-slices';
export const SERIES_JOB = 'series-batch';
