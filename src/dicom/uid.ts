import { createHash } from 'node:crypto';

/**
 * Deterministic UIDs under the UUID-derived root `2.25` (PS3.5 B.2): the 128-bit value of a
 * name-based UUID, written in decimal. Same inputs give the same UID; any differing input gives a
 * different one, so a re-run of the same source + model + preset is recognisable by its UIDs.
 */

const MAX_UID_LENGTH = 64;

/** Namespaces keep UIDs of different kinds apart even when their parts happen to coincide. */
export const UID_NAMESPACE = {
  derivedSeries: 'unimie-pacs-node:derived-series:v1',
  derivedSopInstance: 'unimie-pacs-node:derived-sop-instance:v1',
  device: 'unimie-pacs-node:device:v1',
} as const;

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(bytes.length);
  return Buffer.concat([prefix, bytes]);
}

/**
 * UUIDv5-style UID: SHA-1 over the namespace and every part (each length-prefixed, so
 * ("ab","c") and ("a","bc") differ), first 16 bytes, version 5 and RFC 4122 variant bits set,
 * rendered as `2.25.<decimal>` (at most 44 characters, never a leading zero).
 */
export function deriveUid(namespace: string, ...parts: string[]): string {
  const hash = createHash('sha1');
  hash.update(lengthPrefixed(namespace));
  for (const part of parts) hash.update(lengthPrefixed(part));
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const value = BigInt(`0x${bytes.toString('hex')}`);
  return `2.25.${value.toString(10)}`;
}

/** What makes a derived series: re-running with all of these equal must give the same series. */
export interface DerivedSeriesKey {
  sourceSeriesUid: string;
  /** SHA-256 of the model file, or `'render'` for the render-only stage. */
  modelSha256: string;
  presetKey: string;
  windowName: string;
  outputKind: string;
}

export function derivedSeriesUid(key: DerivedSeriesKey): string {
  return deriveUid(
    UID_NAMESPACE.derivedSeries,
    key.sourceSeriesUid,
    key.modelSha256,
    key.presetKey,
    key.windowName,
    key.outputKind,
  );
}

export interface DerivedSopInstanceKey {
  derivedSeriesUid: string;
  sourceSopInstanceUid: string;
  /** 0-based frame of a multi-frame source; 0 for single-frame sources. */
  frameIndex: number;
}

export function derivedSopInstanceUid(key: DerivedSopInstanceKey): string {
  if (!Number.isInteger(key.frameIndex) || key.frameIndex < 0) {
    throw new RangeError(`frame index must be a non-negative integer, got ${key.frameIndex}`);
  }
  return deriveUid(
    UID_NAMESPACE.derivedSopInstance,
    key.derivedSeriesUid,
    key.sourceSopInstanceUid,
    String(key.frameIndex),
  );
}

/**
 * PS3.5 §9.1: digits and dots only, at most 64 characters, no empty component and no leading
 * zero in a component (a component of exactly "0" is allowed).
 */
export function isValidUid(uid: unknown): uid is string {
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > MAX_UID_LENGTH) return false;
  return uid.split('.').every((c) => /^(0|[1-9][0-9]*)$/.test(c));
}
