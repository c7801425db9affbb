import { describe, expect, it } from 'vitest';
import { RetentionSchema, type Retention } from '../config/retention-schema.js';
import { applyDefaults } from '../config/validate.js';
import { DAY_MS, GB, MB, planRetention, retentionActive, rowCutoff, type RetentionUnit } from './policy.js';

const NOW = Date.UTC(2026, 4, 1);
const policy = (yaml: Record<string, unknown> = {}): Retention => applyDefaults<Retention>(RetentionSchema, yaml);

function unit(key: string, o: Partial<RetentionUnit> & { ageDays: number }): RetentionUnit {
  return {
    folder: 'originals',
    key,
    lastActivityAt: NOW - o.ageDays * DAY_MS,
    files: [`/spool/${key}.dcm`],
    bytes: MB,
    onSpoolVolume: true,
    ...o,
  };
}

const keys = (plan: ReturnType<typeof planRetention>) => plan.items.map((i) => `${i.unit.key}:${i.reason}`);

describe('retention policy', () => {
  it('deletes nothing by default, whatever the age, size or free space', () => {
    const units = [unit('a', { ageDays: 3650, bytes: 100 * GB }), unit('q', { folder: 'quarantine', ageDays: 900 })];
    expect(retentionActive(policy())).toBe(false);
    const plan = planRetention(units, policy(), { now: NOW, freeBytes: 0 });
    expect(plan.items).toEqual([]);
    expect(plan.emergency.triggered).toBe(false);
    expect(rowCutoff(policy(), NOW)).toBeNull();
  });

  it('takes units older than maxAgeDays, never a blocked one', () => {
    const units = [
      unit('old', { ageDays: 31 }),
      unit('young', { ageDays: 29 }),
      unit('old-undelivered', { ageDays: 400, blockedBy: 'delivery not done' }),
      unit('derived-old', { folder: 'derived', ageDays: 31 }),
    ];
    const plan = planRetention(units, policy({ originals: { maxAgeDays: 30 } }), { now: NOW });
    expect(keys(plan)).toEqual(['old:max-age']);
    const originals = plan.folders.find((f) => f.folder === 'originals')!;
    expect(originals).toMatchObject({ units: 3, blocked: { 'delivery not done': 1 }, purgeUnits: 1, purgeBytes: MB });
  });

  it('over maxSizeGb takes the oldest deletable units until the folder fits, counting blocked bytes as held', () => {
    const units = [
      unit('a', { ageDays: 5, bytes: 0.4 * GB }),
      unit('b', { ageDays: 4, bytes: 0.4 * GB }),
      unit('blocked', { ageDays: 9, bytes: 0.4 * GB, blockedBy: 'job not finished' }),
      unit('c', { ageDays: 1, bytes: 0.4 * GB }),
    ];
    // 1.6 GB held, cap 0.9: a and b go (oldest deletable), the older blocked one stays.
    expect(keys(planRetention(units, policy({ originals: { maxSizeGb: 0.9 } }), { now: NOW }))).toEqual(['a:max-size', 'b:max-size']);
    // Age first, then size on what is left.
    expect(keys(planRetention(units, policy({ originals: { maxAgeDays: 4.5, maxSizeGb: 1.1 } }), { now: NOW }))).toEqual(['a:max-age', 'b:max-size']);
  });

  it('touches a folder destination only when listed, and caps each destination on its own', () => {
    const units = [
      unit('out/1', { folder: 'outbox', group: 'out', ageDays: 40, bytes: 2 * GB }),
      unit('out/2', { folder: 'outbox', group: 'out', ageDays: 1, bytes: 2 * GB }),
      unit('site/1', { folder: 'outbox', group: 'site', ageDays: 400, bytes: 5 * GB }),
    ];
    expect(planRetention(units, policy({ outbox: { maxAgeDays: 1 } }), { now: NOW }).items).toEqual([]);
    expect(keys(planRetention(units, policy({ outbox: { destinations: ['out'], maxAgeDays: 30, maxSizeGb: 1 } }), { now: NOW }))).toEqual([
      'out/1:max-age',
      'out/2:max-size',
    ]);
  });

  it('under disk pressure purges the oldest delivered data of the included folders until the target is free', () => {
    const units = [
      unit('s1', { ageDays: 3, bytes: 300 * MB }),
      unit('s2', { ageDays: 2, bytes: 300 * MB }),
      unit('s3', { ageDays: 1, bytes: 300 * MB }),
      unit('pending', { ageDays: 10, bytes: 900 * MB, blockedBy: 'delivery not done' }),
      unit('d1', { folder: 'derived', ageDays: 2.5, bytes: 300 * MB }),
      unit('q1', { folder: 'quarantine', ageDays: 50, bytes: 300 * MB }),
      unit('elsewhere', { folder: 'derived', ageDays: 9, bytes: 300 * MB, onSpoolVolume: false }),
    ];
    const p = policy({ emergency: { enabled: true, startBelowFreeMb: 1000, purgeUntilFreeMb: 1500 } });
    expect(retentionActive(p)).toBe(true);
    // Above the start threshold: nothing.
    expect(planRetention(units, p, { now: NOW, freeBytes: 1200 * MB }).items).toEqual([]);
    // 800 MB free, 1500 wanted: 700 MB to free, oldest first across originals and derived.
    const plan = planRetention(units, p, { now: NOW, freeBytes: 800 * MB });
    expect(keys(plan)).toEqual(['s1:disk-pressure', 'd1:disk-pressure', 's2:disk-pressure']);
    expect(plan.emergency).toEqual({ triggered: true, freeBytes: 800 * MB, targetFreeBytes: 1500 * MB, shortBytes: 0 });
    // Not enough deletable data: everything allowed goes and the shortfall is reported.
    const short = planRetention(units, p, { now: NOW, freeBytes: 0 });
    expect(keys(short).sort()).toEqual(['d1:disk-pressure', 's1:disk-pressure', 's2:disk-pressure', 's3:disk-pressure']);
    expect(short.emergency.shortBytes).toBe(1500 * MB - 1200 * MB);
  });

  it('counts what the age and size limits free towards the emergency target', () => {
    const units = [unit('old', { ageDays: 100, bytes: 600 * MB }), unit('new', { ageDays: 1, bytes: 600 * MB })];
    const p = policy({ originals: { maxAgeDays: 30 }, emergency: { enabled: true, startBelowFreeMb: 1000, purgeUntilFreeMb: 1500 } });
    expect(keys(planRetention(units, p, { now: NOW, freeBytes: 900 * MB }))).toEqual(['old:max-age']);
  });

  it('has a row cut-off only with database.maxAgeDays', () => {
    expect(rowCutoff(policy({ database: { maxAgeDays: 365 } }), NOW)).toBe(NOW - 365 * DAY_MS);
  });
});
