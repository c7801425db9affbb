/**
 * What the node raises an alert about, built from the hook points' data. Only identifiers that the
 * log also carries (job, delivery and config names, series UIDs) and error texts go in: never a
 * patient name, ID or birth date.
 */
import type { AlertEventType } from '../config/alerts-schema.js';

export type AlertSeverity = 'critical' | 'error' | 'warning' | 'info';
export type DetailValue = string | number | boolean | Array<string | number>;

export interface AlertEvent {
  type: AlertEventType;
  severity: AlertSeverity;
  /** What it is about (a destination, rule, listener, model, the data volume): with `type`, the repeat key. */
  subject: string;
  /** How many occurrences this alert stands for (raises close together are merged). */
  count: number;
  details: Record<string, DetailValue>;
}

const SEVERITY: Record<AlertEventType, AlertSeverity> = {
  'delivery.dead': 'error',
  'job.failed': 'warning',
  'job.dead': 'error',
  'disk.low': 'critical',
  'disk.recovered': 'info',
  'listener.down': 'critical',
  'model.failed': 'error',
};

/** Longest error text carried (a stack or a whole server answer helps nobody in a mail subject). */
const MAX_ERROR = 500;

function event(type: AlertEventType, subject: string, details: Record<string, DetailValue>): AlertEvent {
  return { type, severity: SEVERITY[type], subject, count: 1, details };
}

function clip(text: string): string {
  return text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR - 1)}…` : text;
}

/** The repeat key: one alert per key and repeat window. */
export function repeatKey(e: Pick<AlertEvent, 'type' | 'subject'>): string {
  return `${e.type}:${e.subject}`;
}

export function deliveryDeadAlert(d: { destination: string; deliveryId: number; jobId: number | null; seriesUid: string; attempts: number; error: string }): AlertEvent {
  return event('delivery.dead', d.destination, {
    destination: d.destination,
    deliveryIds: [d.deliveryId],
    ...(d.jobId !== null ? { jobIds: [d.jobId] } : {}),
    seriesUids: [d.seriesUid],
    attempts: d.attempts,
    error: clip(d.error),
  });
}

/** A job attempt failed: `dead` (no attempt left or not retryable) or `failed` (retried later). */
export function jobFailedAlert(j: { jobId: number; state: string; rule: string; seriesUid?: string; attempts?: number; error: string }): AlertEvent {
  return event(j.state === 'dead' ? 'job.dead' : 'job.failed', j.rule, {
    rule: j.rule,
    jobIds: [j.jobId],
    ...(j.seriesUid ? { seriesUids: [j.seriesUid] } : {}),
    ...(j.attempts !== undefined ? { attempts: j.attempts } : {}),
    error: clip(j.error),
  });
}

export function diskAlert(d: { low: boolean; freeBytes: number; minFreeBytes: number; path?: string }): AlertEvent {
  return event(d.low ? 'disk.low' : 'disk.recovered', 'data volume', {
    freeBytes: d.freeBytes,
    minFreeBytes: d.minFreeBytes,
    ...(d.path ? { path: d.path } : {}),
  });
}

export function listenerDownAlert(l: { listener: string; aeTitle?: string; host?: string; port?: number; error: string }): AlertEvent {
  return event('listener.down', l.listener, {
    listener: l.listener,
    ...(l.aeTitle ? { aeTitle: l.aeTitle } : {}),
    ...(l.host ? { host: l.host } : {}),
    ...(l.port !== undefined ? { port: l.port } : {}),
    error: clip(l.error),
  });
}

export function modelFailedAlert(m: { model: string; problem: string }): AlertEvent {
  return event('model.failed', m.model, { model: m.model, problem: clip(m.problem) });
}

const MAX_IDS = 20;

/**
 * Two raises of the same repeat key merged into one alert: counts add up, id lists are joined
 * (without repeats, the first 20 kept), other details take the later value.
 */
export function mergeAlerts(a: AlertEvent, b: AlertEvent): AlertEvent {
  const details: Record<string, DetailValue> = { ...a.details };
  for (const [k, v] of Object.entries(b.details)) {
    const prev = details[k];
    details[k] = Array.isArray(v) && Array.isArray(prev) ? [...new Set([...prev, ...v])].slice(0, MAX_IDS) : v;
  }
  return { ...b, count: a.count + b.count, details };
}

function mb(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : `${n} ${many}`;
}

/** The one-line human message of an alert. */
export function alertMessage(e: AlertEvent): string {
  const d = e.details;
  const ids = (k: string): string => (Array.isArray(d[k]) ? (d[k] as Array<string | number>).join(', ') : '');
  switch (e.type) {
    case 'delivery.dead':
      return `${plural(e.count, 'A delivery', 'deliveries')} to destination "${e.subject}" ${e.count === 1 ? 'is' : 'are'} dead after ${plural(Number(d.attempts), '1 attempt', 'attempts')}: ${String(d.error)}`;
    case 'job.failed':
      return `${e.count === 1 ? `Job ${ids('jobIds')}` : `${e.count} job attempts (jobs ${ids('jobIds')})`} of rule "${e.subject}" failed and will be retried: ${String(d.error)}`;
    case 'job.dead':
      return `${e.count === 1 ? `Job ${ids('jobIds')}` : `${e.count} jobs (${ids('jobIds')})`} of rule "${e.subject}" failed for good (no derived series sent): ${String(d.error)}`;
    case 'disk.low':
      return `Free space on the data volume is ${mb(Number(d.freeBytes))}, below limits.minFreeDiskMb (${mb(Number(d.minFreeBytes))}): new associations are refused`;
    case 'disk.recovered':
      return `Free space on the data volume is back to ${mb(Number(d.freeBytes))} (limit ${mb(Number(d.minFreeBytes))}): associations are accepted again`;
    case 'listener.down': {
      const where = d.host !== undefined ? ` (${d.aeTitle ? `${String(d.aeTitle)}@` : ''}${String(d.host)}:${String(d.port)})` : '';
      return `DICOM listener "${e.subject}"${where} is down: ${String(d.error)}`;
    }
    case 'model.failed':
      return `Enhancement model "${e.subject}" failed to load; the presets that use it are disabled: ${String(d.problem)}`;
  }
}
