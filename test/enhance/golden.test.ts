/**
 * Golden test (engine issue, "Tests"): the engine with a tiny ONNX network (test/reference/
 * make_tiny_nets.py) against the independent numpy reference (test/reference/unimie_reference.py),
 * 3 steps on a 300×200 image, before quantisation. The reference runs when /usr/bin/python3 with
 * numpy is present; the recorded outputs are compared in every case. Both sampler paths run: the
 * JavaScript reference and the step graph on the model's onnxruntime device (graphs/step-graph.ts).
 * Tolerances are 10× the measured error, so a change to the sampler's arithmetic shows: JavaScript
 * 2.4e-7 and 3.6e-7 against the reference, 7.4e-7 against the recorded values (which JSON rounds);
 * step graph 4.8e-7 and 4.2e-7 against the reference, 9.4e-7 against the recorded values, 4.8e-7
 * and 3.6e-7 against the JavaScript path (2026-12-06, CPU).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnhancement } from '../../src/enhance/enhancement-run.js';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import { openModelSession, type ModelSession } from '../../src/enhance/onnx-session.js';
import { PAPER_PRESET, type EnhancePreset } from '../../src/enhance/preset.js';
import { linearBetas } from '../../src/enhance/schedule.js';
import { formulaNoise, goldenImage } from './golden-inputs.js';

const REF = join(dirname(fileURLToPath(import.meta.url)), '..', 'reference');
const PY = '/usr/bin/python3';
const TOLERANCE = {
  javascript: { reference: 4e-6, recorded: 8e-6 },
  graph: { reference: 5e-6, recorded: 1e-5 },
} as const;
const GRAPH_TOLERANCE = 5e-6;

interface GoldenConfig {
  net: 'tiny-eps' | 'tiny-epsvar';
  width: number;
  height: number;
  steps: number;
  guidanceScale: number;
  guidanceScaleFollowsRespacing: boolean;
  guidanceScaleCap: number;
  exposureTarget: number;
  exposureWeight: number;
  variance: EnhancePreset['variance'];
  patchSize: number;
  stride: number;
  guidanceTarget: 'x0' | 'xt';
  startStep: number | null;
}

const configs = JSON.parse(readFileSync(join(REF, 'golden-configs.json'), 'utf8')) as Record<string, GoldenConfig>;

function hasNumpy(): boolean {
  try {
    execFileSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function presetOf(c: GoldenConfig): EnhancePreset {
  return {
    ...PAPER_PRESET,
    model: c.net,
    steps: c.steps,
    guidanceScale: c.guidanceScale,
    guidanceScaleFollowsRespacing: c.guidanceScaleFollowsRespacing,
    guidanceScaleCap: c.guidanceScaleCap,
    exposureTarget: c.exposureTarget,
    exposureWeight: c.exposureWeight,
    variance: c.variance,
    patchSize: c.patchSize,
    stride: c.stride,
    batchSize: 5,
    seed: 0,
    guidanceTarget: c.guidanceTarget,
    startStep: c.startStep,
  };
}

describe('golden: engine vs numpy reference', () => {
  const sessions = new Map<string, ModelSession>();
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'golden-'));
    for (const net of ['tiny-eps', 'tiny-epsvar']) {
      sessions.set(net, await openModelSession(await loadManifest(join(REF, net, 'manifest.yaml')), { intraOpThreads: 1 }));
    }
  });
  afterAll(async () => {
    for (const s of sessions.values()) await s.release();
    rmSync(work, { recursive: true, force: true });
  });

  const run = async (cfg: GoldenConfig, path: 'javascript' | 'graph') => {
    const session = sessions.get(cfg.net)!;
    return runEnhancement({
      images: [goldenImage(cfg.width, cfg.height)],
      preset: presetOf(cfg),
      betas: linearBetas(1000),
      outputChannels: session.outputChannels,
      predict: session.predict,
      stepGraph: path === 'graph' ? session.openGraph : undefined,
      noise: formulaNoise,
    });
  };

  for (const [name, cfg] of Object.entries(configs)) {
    it(`${name}: step graph within ${GRAPH_TOLERANCE} of the JavaScript path`, async () => {
      const js = (await run(cfg, 'javascript')).outputs[0]!.planar;
      const graph = (await run(cfg, 'graph')).outputs[0]!.planar;
      expect(graph.length).toBe(js.length);
      let max = 0;
      for (let i = 0; i < js.length; i++) max = Math.max(max, Math.abs(graph[i]! - js[i]!));
      console.log(`${name}: max |graph − javascript| = ${max.toExponential(2)}`);
      expect(max).toBeLessThan(GRAPH_TOLERANCE);
    });
  }

  for (const [name, cfg] of Object.entries(configs)) for (const path of ['javascript', 'graph'] as const) {
    it(`${name}, ${path} path: max |engine − reference| < ${TOLERANCE[path].reference}`, async () => {
      const { outputs, stepsRun } = await run(cfg, path);
      const ours = outputs[0]!.planar;
      expect(ours.length).toBe(3 * cfg.width * cfg.height);
      expect(stepsRun).toBe(cfg.startStep === null ? 3 : 2);

      const recorded = JSON.parse(readFileSync(join(REF, `golden-${name}.json`), 'utf8')) as { stride: number; length: number; values: number[] };
      expect(recorded.length).toBe(ours.length);
      let maxRecorded = 0;
      recorded.values.forEach((v, j) => (maxRecorded = Math.max(maxRecorded, Math.abs(v - ours[j * recorded.stride]!))));
      console.log(`${name}, ${path}: max |engine − recorded| = ${maxRecorded.toExponential(2)}`);
      expect(maxRecorded).toBeLessThan(TOLERANCE[path].recorded);

      if (hasNumpy()) {
        const cfgPath = join(work, `${name}.json`);
        const outPath = join(work, `${name}.f32`);
        writeFileSync(cfgPath, JSON.stringify(cfg));
        execFileSync(PY, [join(REF, 'unimie_reference.py'), cfgPath, outPath]);
        const buf = readFileSync(outPath);
        const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
        expect(ref.length).toBe(ours.length);
        let max = 0;
        for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ref[i]! - ours[i]!));
        console.log(`${name}, ${path}: max |engine − reference| = ${max.toExponential(2)}`);
        expect(max).toBeLessThan(TOLERANCE[path].reference);
      }
    });
  }
});
