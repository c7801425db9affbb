import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patchCorners } from '../tiling.js';
import { buildStepGraph, type StepGraphGeometry } from './step-graph.js';

const PY = '/usr/bin/python3';

function hasOnnx(): boolean {
  try {
    execFileSync(PY, ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function geometry(size: number, patch: number, stride: number, over: Partial<StepGraphGeometry> = {}): StepGraphGeometry {
  return {
    height: size,
    width: size,
    patch,
    corners: patchCorners(size, size, patch, stride),
    outputChannels: 3,
    learnedVariance: false,
    clampX0: true,
    guidanceTarget: 'x0',
    residualSigma: 0,
    ...over,
  };
}

const hasOp = (bytes: Uint8Array, op: string) => Buffer.from(bytes).includes(`${op}_`);

describe('step graph', () => {
  it.skipIf(!hasOnnx())('is a valid ONNX model by the onnx checker, shapes inferred', () => {
    const dir = mkdtempSync(join(tmpdir(), 'step-graph-'));
    try {
      const cases = [geometry(512, 256, 128), geometry(96, 32, 8, { outputChannels: 6, learnedVariance: true, residualSigma: 1.5, guidanceTarget: 'xt', clampX0: false })];
      cases.forEach((g, i) => writeFileSync(join(dir, `${i}.onnx`), buildStepGraph(g)));
      const script = `import onnx, sys\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint('ok')`;
      const out = execFileSync(PY, ['-c', script, ...cases.map((_, i) => join(dir, `${i}.onnx`))], { encoding: 'utf8' });
      expect(out.trim()).toBe('ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sums the overlaps by tiles on a coarse grid and by padding on a fine one', () => {
    expect(hasOp(buildStepGraph(geometry(512, 256, 128)), 'Pad')).toBe(false);
    expect(hasOp(buildStepGraph(geometry(112, 48, 8)), 'Pad')).toBe(true);
  });

  it('low-passes the residual only when asked', () => {
    expect(hasOp(buildStepGraph(geometry(64, 32, 16)), 'MatMul')).toBe(false);
    expect(hasOp(buildStepGraph(geometry(64, 32, 16, { residualSigma: 2 })), 'MatMul')).toBe(true);
  });

  it('refuses learned variance without its 3 extra channels', () => {
    expect(() => buildStepGraph(geometry(64, 32, 16, { learnedVariance: true }))).toThrow(RangeError);
  });
});
