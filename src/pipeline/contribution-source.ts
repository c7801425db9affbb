import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseContributionRecord, type ContributionRecord } from '../enhance/measured-contribution.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';

/**
 * Where the node reads the last ablation's measured network contribution (the record
 * `npm run eval -- --ablate` writes), and what it found there.
 *
 * Decision for a file that exists but cannot be read or parsed: a warning and no measurement,
 * not a start-up error. The record only decides whether a preset may be *called* UniMIE; without
 * it every enhancement is labelled as the classical processing it is, which is always true, so
 * refusing to start (and to receive images) would protect nothing. The API and dashboard show the
 * problem (GET /api/models). The file is checked again (size and mtime) whenever it is asked for,
 * so a new evaluation takes effect at the next job, without a restart.
 */

/** The record shipped with the node (eval/results/contribution.json beside src/ or dist/). */
export const SHIPPED_CONTRIBUTION_RECORD = fileURLToPath(new URL('../../eval/results/contribution.json', import.meta.url));

export interface ContributionStatus {
  path: string;
  /** `loaded`: parsed and valid; `missing`: no file (no measurement); `unreadable`: see `problem`. */
  state: 'loaded' | 'missing' | 'unreadable';
  problem?: string;
  record?: ContributionRecord;
}

export interface ContributionFiles {
  /** Size and modification time, or undefined when there is no file. */
  stat(path: string): { size: number; mtimeMs: number } | undefined;
  read(path: string): string;
}

const nodeFiles: ContributionFiles = {
  stat(path) {
    try {
      const s = statSync(path);
      return { size: s.size, mtimeMs: s.mtimeMs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
  read: (path) => readFileSync(path, 'utf8'),
};

export class ContributionSource {
  private cached?: { key: string; status: ContributionStatus };

  /** `path` is asked each time, so a config reload that moves the record takes effect. */
  constructor(
    private readonly path: () => string,
    private readonly log?: Logger,
    private readonly files: ContributionFiles = nodeFiles,
  ) {}

  /** What the file holds now (read again only when its path, size or mtime changed). */
  status(): ContributionStatus {
    const path = this.path();
    let stat: { size: number; mtimeMs: number } | undefined;
    try {
      stat = this.files.stat(path);
    } catch (err) {
      return this.remember(`${path}:error`, { path, state: 'unreadable', problem: errorMessage(err) });
    }
    const key = stat ? `${path}:${stat.size}:${stat.mtimeMs}` : `${path}:missing`;
    if (this.cached?.key === key) return this.cached.status;
    if (!stat) return this.remember(key, { path, state: 'missing' });
    try {
      return this.remember(key, { path, state: 'loaded', record: parseContributionRecord(this.files.read(path)) });
    } catch (err) {
      return this.remember(key, { path, state: 'unreadable', problem: errorMessage(err) });
    }
  }

  /** The record, or undefined when there is none to trust (missing or unreadable file). */
  record(): ContributionRecord | undefined {
    return this.status().record;
  }

  private remember(key: string, status: ContributionStatus): ContributionStatus {
    if (this.cached?.key !== key) {
      const where = { stage: 'enhance', contributionRecord: status.path };
      if (status.state === 'unreadable') {
        this.log?.warn({ ...where, problem: status.problem }, 'contribution record unreadable: no preset is called UniMIE until it is fixed');
      } else if (status.state === 'missing') {
        this.log?.info(where, 'no contribution record: every enhancement is labelled classical');
      } else {
        this.log?.info({ ...where, set: status.record!.set, commit: status.record!.commit }, 'contribution record loaded');
      }
    }
    this.cached = { key, status };
    return status;
  }
}
