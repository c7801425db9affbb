/**
 * The progress of one batch from its slice jobs' reports. Each worker reports its own job's steps
 * (after an anchored start, fewer than the preset's); a job not heard from yet counts as 0 of the
 * preset's steps for each of its slices.
 */
export class BatchProgress {
  private readonly reported = new Map<string, { step: number; steps: number }>();

  /** `jobs`: each slice job's id and its slice count; `presetSteps`: the preset's steps per slice. */
  constructor(
    private readonly jobs: ReadonlyArray<{ id: string; slices: number }>,
    private readonly presetSteps: number,
  ) {}

  /** Records one job's report and returns the batch's steps done and total. */
  report(jobId: string, step: number, steps: number): { done: number; total: number } {
    this.reported.set(jobId, { step: Math.min(step, steps), steps });
    let done = 0;
    let total = 0;
    for (const job of this.jobs) {
      const known = this.reported.get(job.id);
      done += known?.step ?? 0;
      total += known?.steps ?? this.presetSteps * job.slices;
    }
    return { done, total };
  }
}
