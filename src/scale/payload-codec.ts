/**
 * What travels through Redis between the node and its workers, and back. Pixels only: a job
 * carries the windowed 8-bit slices (base64), the preset, the model id and hash and the random
 * stream of its first slice, never a DICOM attribute or a patient identifier. Pure.
 */
import { CLASSICAL_STEPS, type AppliedProcessing } from '../enhance/applied-processing.js';
import type { EnhancePreset } from '../enhance/preset.js';
import type { EngineImage } from '../enhance/image-planes.js';
import type { EnhancedSlice } from '../enhance/slice-enhancer.js';
import { isGrayImage } from '../enhance/image-planes.js';

/**
 * 2: results say what ran (`applied`). 3: jobs carry each slice's black level (where "no signal"
 * falls in its rendering), which the contrast stretch uses. A worker refuses jobs of another version.
 */
export const PAYLOAD_VERSION = 3;

/** One slice on the wire: 1 channel for grey slices (R = G = B), 3 for colour. */
export interface WireImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** base64 of width·height·channels bytes. */
  pixels: string;
}

export interface SliceJobData {
  v: number;
  modelId: string;
  modelSha256: string;
  preset: EnhancePreset;
  /** Random stream of the first slice (its position in the pipeline's batch). */
  firstStream: number;
  slices: WireImage[];
  /** Per slice: grey level in [0, 1] of "no signal" in its rendering (EnhanceOptions.blackLevels). */
  blackLevels: number[];
}

/** Who produced a slice (provenance). */
export interface Producer {
  worker: string;
  host: string;
  device: string;
  /** Times the job was started (> 1 after a retry or a stalled worker). */
  attempts: number;
}

/** An enhanced slice as a worker sends it back: the image base64-encoded, the producer on the job result. */
export type WireResult = Omit<EnhancedSlice, 'image' | 'producer'> & { image: WireImage };

export interface SliceJobResult {
  v: number;
  producer: Producer;
  /** Milliseconds between publish and the worker picking the job up. */
  queuedMs: number;
  slices: WireResult[];
}

export function encodeImage(image: EngineImage): WireImage {
  const bytes = isGrayImage(image) ? image.gray : image.data;
  const channels = isGrayImage(image) ? 1 : 3;
  return { width: image.width, height: image.height, channels, pixels: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

export function decodeImage(wire: WireImage): EngineImage {
  checkImage(wire);
  const bytes = new Uint8Array(Buffer.from(wire.pixels, 'base64'));
  const expected = wire.width * wire.height * wire.channels;
  if (bytes.length !== expected) throw new PayloadError(`slice has ${bytes.length} bytes, expected ${expected} (${wire.width}×${wire.height}×${wire.channels})`);
  return wire.channels === 1 ? { width: wire.width, height: wire.height, gray: bytes } : { width: wire.width, height: wire.height, data: bytes };
}

export function encodeSliceJob(input: Omit<SliceJobData, 'v' | 'slices'> & { images: readonly EngineImage[] }): SliceJobData {
  const { images, ...rest } = input;
  return { v: PAYLOAD_VERSION, ...rest, slices: images.map(encodeImage) };
}

/** Checks a job's data as it comes out of Redis (another version of the node may have written it). */
export function decodeSliceJob(data: unknown): Omit<SliceJobData, 'slices'> & { images: EngineImage[] } {
  const d = data as Partial<SliceJobData> | null;
  if (!d || typeof d !== 'object') throw new PayloadError('job data is not an object');
  if (d.v !== PAYLOAD_VERSION) throw new PayloadError(`job payload version ${String(d.v)}, this worker reads version ${PAYLOAD_VERSION}`);
  if (typeof d.modelId !== 'string' || typeof d.modelSha256 !== 'string') throw new PayloadError('job names no model id and hash');
  if (!d.preset || typeof d.preset !== 'object' || d.preset.model !== d.modelId) throw new PayloadError('job preset missing or naming another model');
  if (!Number.isInteger(d.firstStream) || d.firstStream! < 0) throw new PayloadError('job has no valid firstStream');
  if (!Array.isArray(d.slices) || d.slices.length === 0) throw new PayloadError('job carries no slices');
  if (!Array.isArray(d.blackLevels) || d.blackLevels.length !== d.slices.length || !d.blackLevels.every((b) => typeof b === 'number' && b >= 0 && b < 1)) {
    throw new PayloadError('job has no valid black level per slice');
  }
  return { v: d.v, modelId: d.modelId, modelSha256: d.modelSha256, preset: d.preset, firstStream: d.firstStream!, blackLevels: d.blackLevels, images: d.slices.map(decodeImage) };
}

export function decodeSliceResult(value: unknown, expectedSlices: number): SliceJobResult & { images: EngineImage[] } {
  const r = value as Partial<SliceJobResult> | null;
  if (!r || typeof r !== 'object' || r.v !== PAYLOAD_VERSION) throw new PayloadError('job result missing or of another payload version');
  if (!Array.isArray(r.slices) || r.slices.length !== expectedSlices) {
    throw new PayloadError(`job result has ${Array.isArray(r.slices) ? r.slices.length : 'no'} slices, expected ${expectedSlices}`);
  }
  if (!r.producer || typeof r.producer.worker !== 'string') throw new PayloadError('job result names no producer');
  r.slices.forEach((s, i) => checkApplied((s as Partial<WireResult> | null)?.applied, i));
  return { v: r.v, producer: r.producer, queuedMs: Number(r.queuedMs ?? 0), slices: r.slices, images: r.slices.map((s) => decodeImage(s.image)) };
}

/** Splits n slices into consecutive groups of at most `size`: [first, count] pairs. */
export function sliceGroups(n: number, size: number): Array<{ first: number; count: number }> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`slices per job must be a positive integer, got ${size}`);
  const out: Array<{ first: number; count: number }> = [];
  for (let first = 0; first < n; first += size) out.push({ first, count: Math.min(size, n - first) });
  return out;
}

function checkImage(w: WireImage): void {
  if (!w || typeof w !== 'object') throw new PayloadError('slice is not an object');
  if (!Number.isInteger(w.width) || !Number.isInteger(w.height) || w.width < 1 || w.height < 1) throw new PayloadError('slice has no valid size');
  if (w.channels !== 1 && w.channels !== 3) throw new PayloadError(`slice has ${String(w.channels)} channels, expected 1 or 3`);
  if (typeof w.pixels !== 'string') throw new PayloadError('slice has no pixels');
}

/** A result must say what ran on each slice: the derived series is labelled from it. */
function checkApplied(a: unknown, slice: number): void {
  const v = a as Partial<AppliedProcessing> | null | undefined;
  const count = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0;
  const ok =
    !!v &&
    typeof v === 'object' &&
    (v.estimator === 'network' || v.estimator === 'network-free') &&
    count(v.networkEvaluationsPerPatch) &&
    count(v.startTimestep) &&
    typeof v.anchoredStart === 'boolean' &&
    count(v.patchSize) &&
    count(v.stride) &&
    count(v.patchesPerImage) &&
    Array.isArray(v.classical) &&
    v.classical.every((s) => (CLASSICAL_STEPS as readonly string[]).includes(s));
  if (!ok) throw new PayloadError(`job result slice ${slice} does not say what ran (applied missing or malformed)`);
}

export class PayloadError extends Error {
  override name = 'PayloadError';
}
