/**
 * The classical denoising baseline (issue 20 item 5: "the best classical denoiser + CLAHE"):
 * scikit-image's non-local means, total variation, wavelet or bilateral filter, chosen and
 * parameterised per estimated noise level from the table that scripts/eval/tune-denoisers.py tuned
 * on development images. Runs Debian's Python (`scripts/eval/denoise.py`), one process per batch;
 * pixels travel through stdin/stdout, so no temporary files.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';
import { NodeError } from '../shared/errors.js';

/** Debian's Python, which has numpy and scikit-image (scripts/setup.sh installs them). */
export const DENOISE_PYTHON = '/usr/bin/python3';
/** The runner, from src/eval or dist/eval alike. */
export const DENOISE_SCRIPT = fileURLToPath(new URL('../../scripts/eval/denoise.py', import.meta.url));
/** Exit status of denoise.py when numpy or scikit-image cannot be imported. */
const EXIT_MISSING_MODULE = 3;

/** Denoisers the tuned table may choose ('none' where the image is already clean enough). */
export type DenoiserMethod = 'none' | 'nlm' | 'tv' | 'wavelet' | 'bilateral';

/** One denoised image and what was done to it. */
export interface ClassicalDenoiseResult<T extends EngineImage> {
  image: T;
  /** Estimated noise standard deviation, intensities in [0, 1] (skimage estimate_sigma). */
  sigma: number;
  method: DenoiserMethod;
  /** The tuned parameters; names ending in K are multiples of `sigma`. */
  params: Record<string, number | string>;
}

/** Where to find the runner; tests point these elsewhere to check the error paths. */
export interface ClassicalDenoiseOptions {
  python?: string;
  script?: string;
}

interface FrameMeta {
  sigma: number;
  method: DenoiserMethod;
  params: Record<string, number | string>;
}

function channelsOf(img: EngineImage): 1 | 3 {
  return isGrayImage(img) ? 1 : 3;
}

function bytesOf(img: EngineImage): Uint8Array {
  return isGrayImage(img) ? img.gray : img.data;
}

/** The runner's input: per image a JSON header line, then its bytes (row-major, channels interleaved). */
export function encodeDenoiseFrames(images: readonly EngineImage[]): Buffer {
  const parts: Buffer[] = [];
  for (const img of images) {
    const bytes = bytesOf(img);
    const channels = channelsOf(img);
    if (bytes.length !== img.width * img.height * channels) {
      throw new RangeError(`image has ${bytes.length} bytes, expected ${img.width}×${img.height}×${channels}`);
    }
    parts.push(Buffer.from(`${JSON.stringify({ width: img.width, height: img.height, channels })}\n`));
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return Buffer.concat(parts);
}

function parseMeta(line: string): FrameMeta {
  const meta = JSON.parse(line) as Partial<FrameMeta>;
  if (typeof meta.sigma !== 'number' || typeof meta.method !== 'string' || typeof meta.params !== 'object' || meta.params === null) {
    throw new RangeError(`bad denoiser header: ${line}`);
  }
  return { sigma: meta.sigma, method: meta.method, params: meta.params };
}

/**
 * The runner's output for `likes` (the input images, in order): per image a JSON header line and
 * the denoised bytes of the same size. Throws when the output is short or malformed.
 */
export function decodeDenoiseFrames<T extends EngineImage>(out: Buffer, likes: readonly T[]): ClassicalDenoiseResult<T>[] {
  const results: ClassicalDenoiseResult<T>[] = [];
  let pos = 0;
  for (const like of likes) {
    const eol = out.indexOf(0x0a, pos);
    if (eol < 0) throw new RangeError(`denoiser output ends after ${results.length} of ${likes.length} images`);
    const meta = parseMeta(out.subarray(pos, eol).toString('utf8'));
    const n = like.width * like.height * channelsOf(like);
    if (eol + 1 + n > out.length) throw new RangeError(`denoiser output truncated in image ${results.length + 1}`);
    const bytes = new Uint8Array(out.subarray(eol + 1, eol + 1 + n));
    pos = eol + 1 + n;
    const image = (isGrayImage(like)
      ? { width: like.width, height: like.height, gray: bytes }
      : { width: like.width, height: like.height, data: bytes }) as T;
    results.push({ image, ...meta });
  }
  if (pos !== out.length) throw new RangeError(`denoiser output has ${out.length - pos} bytes past the last image`);
  return results;
}

function runnerError(message: string, cause?: unknown): NodeError {
  return new NodeError('PACS_E_EVAL_DENOISER', message, { cause });
}

function runRunner(input: Buffer, opts: ClassicalDenoiseOptions): Promise<Buffer> {
  const python = opts.python ?? DENOISE_PYTHON;
  const script = opts.script ?? DENOISE_SCRIPT;
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT'
        ? runnerError(`classical denoiser needs ${python} (Debian's python3 with python3-skimage; run scripts/setup.sh)`, e)
        : runnerError(`classical denoiser could not start ${python}: ${e.message}`, e));
    });
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (code === 0) return resolve(Buffer.concat(out));
      if (code === EXIT_MISSING_MODULE) {
        return reject(runnerError(`classical denoiser: ${stderr || 'scikit-image missing'} (run scripts/setup.sh)`));
      }
      reject(runnerError(`classical denoiser ${script} exited with ${code}: ${stderr.split('\n').slice(-3).join(' | ')}`));
    });
    // An early exit closes the pipe; the 'close' handler reports why, so EPIPE here adds nothing.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Denoise a batch of 8-bit images in one Python process; results in input order. */
export async function denoiseClassicalBatch<T extends EngineImage>(
  images: readonly T[],
  opts: ClassicalDenoiseOptions = {},
): Promise<ClassicalDenoiseResult<T>[]> {
  if (images.length === 0) return [];
  const out = await runRunner(encodeDenoiseFrames(images), opts);
  try {
    return decodeDenoiseFrames(out, images);
  } catch (e) {
    throw runnerError(`classical denoiser answered badly: ${(e as Error).message}`, e);
  }
}

/** Denoise one 8-bit image (gray or RGB) with the denoiser tuned for its estimated noise level. */
export async function denoiseClassical<T extends EngineImage>(img: T, opts: ClassicalDenoiseOptions = {}): Promise<ClassicalDenoiseResult<T>> {
  const [result] = await denoiseClassicalBatch([img], opts);
  return result!;
}
