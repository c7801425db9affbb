import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD } from '../../test/helpers/what-ran.js';
import { ContributionSource, SHIPPED_CONTRIBUTION_RECORD } from './contribution-source.js';

describe('ContributionSource', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'contribution-'));
    path = join(dir, 'contribution.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing file is no measurement, not an error', () => {
    const source = new ContributionSource(() => path);
    expect(source.status()).toEqual({ path, state: 'missing' });
    expect(source.record()).toBeUndefined();
  });

  it('reads a valid record, and again once the file changed', () => {
    writeFileSync(path, JSON.stringify(RECORD));
    const source = new ContributionSource(() => path);
    expect(source.status().state).toBe('loaded');
    expect(source.record()?.presets.strong?.meetsBar).toBe(true);
    writeFileSync(path, JSON.stringify({ ...RECORD, set: 'dev-set-later' }));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(source.record()?.set).toBe('dev-set-later');
  });

  it('an unreadable or invalid file: no record, the problem said, and a warning logged once', () => {
    writeFileSync(path, '{ not json');
    const warnings: unknown[] = [];
    const log = { warn: (o: unknown) => warnings.push(o), info: () => undefined } as never;
    const source = new ContributionSource(() => path, log);
    expect(source.status()).toMatchObject({ path, state: 'unreadable', problem: expect.stringMatching(/JSON/) });
    expect(source.record()).toBeUndefined();
    source.status();
    expect(warnings).toHaveLength(1);
    writeFileSync(path, JSON.stringify({ ...RECORD, barDb: 'high' }));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(source.status()).toMatchObject({ state: 'unreadable', problem: expect.stringMatching(/not a contribution record: \/barDb/) });
    expect(warnings).toHaveLength(2);
  });

  it('follows the configured path and defaults to the shipped record beside the package', () => {
    let where = path;
    const source = new ContributionSource(() => where);
    expect(source.status().state).toBe('missing');
    writeFileSync(join(dir, 'other.json'), JSON.stringify(RECORD));
    where = join(dir, 'other.json');
    expect(source.status().state).toBe('loaded');
    expect(SHIPPED_CONTRIBUTION_RECORD).toMatch(/[/\\]eval[/\\]results[/\\]contribution\.json$/);
  });
});
