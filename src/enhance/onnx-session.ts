/**
 * One onnxruntime-node session per model, created once and kept warm (architecture.md "Model
 * contract (ONNX)"). The session's input/output names and shapes are checked against the
 * manifest when it opens, and one probe patch proves the output layout.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelContractError } from '../shared/errors.js';
import type { LoadedManifest } from './model-manifest.js';
import type { PredictFn } from './sampler.js';
import type { GraphFeed, GraphSession, OpenGraphFn } from './graphs/graph-session.js';

export interface SessionSettings {
  /** Threads inside one operator (default: all cores). */
  intraOpThreads?: number;
  /** Run one probe patch at open to check the output layout (default true). */
  probe?: boolean;
  /** Execution provider (default cpu); cuda needs onnxruntime-node's CUDA provider and a GPU. */
  device?: 'cpu' | 'cuda';
}

/** An open model: the sampler's predict function plus what the engine needs to know. */
export interface ModelSession {
  predict: PredictFn;
  outputChannels: 3 | 6;
  /** The device the session runs on. */
  device: 'cpu' | 'cuda';
  /** The device the configuration asked for. */
  requestedDevice: 'cpu' | 'cuda';
  /** Why a CUDA request runs on the CPU (absent when it got what it asked for). */
  fallbackReason?: string;
  /** Small graphs (the sampler's step graph) on the same device with the same settings. */
  openGraph?: OpenGraphFn;
  release(): Promise<void>;
}

/** float32 → IEEE half bits (round to nearest even). */
export function toFloat16Bits(src: Float32Array): Uint16Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && (half & 1))) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
    out[i] = sign | half;
  }
  return out;
}

/** IEEE half bits → float32. */
export function fromFloat16Bits(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) out[i] = mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/*
 * float16 tensors that onnxruntime-node reads and returns the same way on Node 20, 22 and 24. Where
 * the runtime has Float16Array (Node 24), onnxruntime-common stores float16 data as one: the
 * Uint16Array of half bits given to `new Tensor('float16', …)` becomes a Float16Array view, which
 * onnxruntime-node's binding (1.29 to 1.31) cannot read ("not enough space: expected N, got 0"),
 * and a float16 output comes back as a Float16Array of values instead of Uint16Array bits.
 */

/** A float16 tensor of `values`, its data the Uint16Array of half bits the binding reads. */
export function float16Tensor(values: Float32Array, dims: readonly number[]): ort.Tensor {
  const bits = toFloat16Bits(values);
  const tensor = new ort.Tensor('float16', bits, dims);
  // onnxruntime-common keeps the data in `cpuData`: give it back the bits it wrapped.
  if (!(tensor.data instanceof Uint16Array)) (tensor as unknown as { cpuData: Uint16Array }).cpuData = bits;
  return tensor;
}

/** A float16 output's values as float32: half bits (Node 20, 22) or a Float16Array (Node 24). */
export function float16Values(data: ort.Tensor['data']): Float32Array {
  if (data instanceof Uint16Array) return fromFloat16Bits(data);
  return Float32Array.from(data as ArrayLike<number>);
}

function shapeOf(meta: readonly ort.InferenceSession.ValueMetadata[], names: readonly string[], name: string): ReadonlyArray<number | string> | null {
  const m = meta[names.indexOf(name)];
  return m && m.isTensor ? m.shape : null;
}

/** Open and check the session of one model. */
export async function openModelSession(loaded: LoadedManifest, settings: SessionSettings = {}): Promise<ModelSession> {
  const { manifest, modelPath } = loaded;
  const fail = (problem: string, cause?: unknown): never => {
    throw new ModelContractError(`${modelPath}: ${problem}`, { cause, details: { file: modelPath } });
  };
  const requestedDevice = settings.device ?? 'cpu';
  const create = (device: 'cpu' | 'cuda') => ort.InferenceSession.create(modelPath, sessionOptions(device, settings.intraOpThreads));
  let session: ort.InferenceSession | undefined;
  let device = requestedDevice;
  let fallbackReason: string | undefined;
  if (requestedDevice === 'cuda') {
    try {
      session = await create('cuda');
    } catch (err) {
      fallbackReason = cudaFallbackReason((err as Error).message, missingCudaProviderLibraries());
      device = 'cpu';
    }
  }
  if (!session) {
    try {
      session = await create('cpu');
    } catch (err) {
      return fail(`onnxruntime cannot load the model (${(err as Error).message})`, err);
    }
  }
  const live: ort.InferenceSession = session;
  const { x: xName, t: tName } = manifest.inputNames;
  for (const name of [xName, tName]) {
    if (!live.inputNames.includes(name)) fail(`model has no input "${name}" (inputs: ${live.inputNames.join(', ')})`);
  }
  if (!live.outputNames.includes(manifest.outputName)) {
    fail(`model has no output "${manifest.outputName}" (outputs: ${live.outputNames.join(', ')})`);
  }
  const xShape = shapeOf(live.inputMetadata, live.inputNames, xName);
  if (xShape && xShape.length > 0) {
    if (xShape.length !== 4) fail(`input "${xName}" has rank ${xShape.length}, expected 4 ([B,3,H,W])`);
    if (typeof xShape[1] === 'number' && xShape[1] !== 3) fail(`input "${xName}" has ${xShape[1]} channels, expected 3`);
    for (const [axis, dim] of [['height', 2], ['width', 3]] as const) {
      const d = xShape[dim];
      if (typeof d === 'number' && d !== manifest.patchSize) fail(`input "${xName}" ${axis} is fixed at ${d}, but the manifest's patch size is ${manifest.patchSize}`);
      if (typeof d === 'number' && manifest.dynamicAxes.includes(axis)) fail(`manifest says ${axis} is dynamic, but the model fixes it at ${d}`);
    }
  }
  const outputChannels: 3 | 6 = manifest.output === 'epsilon+variance' ? 6 : 3;
  const fp16 = manifest.dtype === 'float16';

  const predict: PredictFn = async (batch, n, h, w, t) => {
    const x = fp16 ? float16Tensor(batch, [n, 3, h, w]) : new ort.Tensor('float32', batch, [n, 3, h, w]);
    const tt =
      manifest.timestepDtype === 'int64'
        ? new ort.Tensor('int64', BigInt64Array.from(t, (v) => BigInt(v)), [n])
        : new ort.Tensor('float32', Float32Array.from(t), [n]);
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await live.run({ [xName]: x, [tName]: tt });
    } catch (err) {
      return fail(`inference failed (${(err as Error).message})`, err);
    }
    const out = result[manifest.outputName] as ort.Tensor | undefined;
    if (!out) return fail(`output "${manifest.outputName}" missing from the result`);
    const dims = out.dims;
    if (dims.length !== 4 || dims[0] !== n || dims[1] !== outputChannels || dims[2] !== h || dims[3] !== w) {
      fail(`output "${manifest.outputName}" has shape [${dims.join(',')}], expected [${n},${outputChannels},${h},${w}] (manifest output: ${manifest.output})`);
    }
    if (out.type === 'float16') return float16Values(out.data);
    if (out.type !== 'float32') fail(`output "${manifest.outputName}" is ${out.type}, expected float32 or float16`);
    return out.data as Float32Array;
  };

  if (settings.probe ?? true) {
    const p = manifest.patchSize;
    await predict(new Float32Array(3 * p * p), 1, p, p, [0]);
  }
  const graphs = openGraphs(device, settings.intraOpThreads);
  const release = async () => {
    await graphs.release();
    await live.release();
  };
  return { predict, outputChannels, device, requestedDevice, fallbackReason, openGraph: graphs.open, release };
}

function sessionOptions(device: 'cpu' | 'cuda', intraOpThreads: number | undefined): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [device],
    intraOpNumThreads: intraOpThreads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
  };
}

/** Graph sessions kept open per model session (a series has one geometry; a node sees a few sizes). */
export const GRAPH_CACHE_SIZE = 16;

/**
 * Graph sessions on `device` with the model session's settings, cached by key (the least recently
 * opened dropped beyond GRAPH_CACHE_SIZE; a run still holding one keeps it, and onnxruntime frees
 * it with its last reference) until released.
 */
export function openGraphs(device: 'cpu' | 'cuda', intraOpThreads?: number): { open: OpenGraphFn; release(): Promise<void> } {
  const graphs = new Map<string, Promise<ort.InferenceSession>>();
  return {
    open: async (key, build) => {
      let opened = graphs.get(key);
      if (opened) {
        graphs.delete(key);
      } else {
        opened = ort.InferenceSession.create(build(), sessionOptions(device, intraOpThreads));
        opened.catch(() => graphs.delete(key));
      }
      graphs.set(key, opened);
      if (graphs.size > GRAPH_CACHE_SIZE) graphs.delete(graphs.keys().next().value!);
      return graphRunner(await opened);
    },
    release: async () => {
      for (const g of graphs.values()) await (await g.catch(() => null))?.release();
      graphs.clear();
    },
  };
}

function graphRunner(session: ort.InferenceSession): GraphSession {
  return {
    run: async (feeds: Record<string, GraphFeed>) => {
      const tensors = Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor('float32', f.data, f.dims)]));
      const result = await session.run(tensors);
      return Object.fromEntries(Object.entries(result).map(([name, t]) => [name, t.data as Float32Array]));
    },
  };
}

/**
 * A one-line reason for a CUDA request that runs on the CPU, from onnxruntime's error: the
 * provider libraries missing next to the binding (scripts/gpu/assemble-cuda-provider.sh puts
 * them there), CUDA/cuDNN not on LD_LIBRARY_PATH, or no GPU.
 */
export function cudaFallbackReason(ortMessage: string, missingProviderLibraries: readonly string[] = []): string {
  // onnxruntime prints ANSI colour codes and a multi-line log into the message.
  const text = ortMessage.replace(/\u001b\[[0-9;]*m/g, ' ').replace(/\s+/g, ' ').trim();
  const missing = /Failed to load library (\S+?libonnxruntime_providers_\w+\.so)/.exec(text)?.[1] ?? missingProviderLibraries[0];
  if (missing) {
    return `CUDA requested, running on CPU: the CUDA execution provider library ${missing} is not installed (run scripts/gpu/assemble-cuda-provider.sh)`;
  }
  const lib = /(lib(?:cudart|cublas|cublasLt|cudnn|cufft|curand)[\w.]*): cannot open shared object file/.exec(text);
  if (lib) return `CUDA requested, running on CPU: ${lib[1]} not found (put CUDA and cuDNN on LD_LIBRARY_PATH)`;
  if (/no CUDA-capable device|CUDA driver version is insufficient|cudaErrorNoDevice/i.test(text)) {
    return `CUDA requested, running on CPU: no usable GPU (${text.slice(0, 200)})`;
  }
  return `CUDA requested, running on CPU: ${text.slice(0, 300)}`;
}

/** The provider libraries onnxruntime-node needs beside its binding for CUDA. */
export const CUDA_PROVIDER_LIBRARIES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'] as const;

/** Folder of onnxruntime-node's native binding (where the CUDA provider libraries must be). */
export function onnxBindingDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Paths of the CUDA provider libraries missing beside the binding. */
export function missingCudaProviderLibraries(dir = onnxBindingDir()): string[] {
  return CUDA_PROVIDER_LIBRARIES.map((name) => join(dir, name)).filter((p) => !existsSync(p));
}
