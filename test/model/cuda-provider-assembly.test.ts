/**
 * The GPU path's assembly script, run here without a GPU: it installs the two provider libraries
 * from the npm package's tarball beside the binding, and the session code then no longer reports
 * them missing. (Whether CUDA runs is checked on a GPU machine: bench/results.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CUDA_PROVIDER_LIBRARIES, missingCudaProviderLibraries } from '../../src/enhance/onnx-session.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cuda-assembly-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/gpu/assemble-cuda-provider.sh', () => {
  it('copies the provider libraries from the package tarball beside the binding', () => {
    const binding = join(dir, 'binding');
    mkdirSync(binding);
    writeFileSync(join(binding, 'onnxruntime_binding.node'), 'binding');
    const pkg = join(dir, 'pkg', 'package', 'Plugins', 'Linux', 'x64');
    mkdirSync(pkg, { recursive: true });
    for (const lib of [...CUDA_PROVIDER_LIBRARIES, 'libonnxruntime_providers_tensorrt.so']) writeFileSync(join(pkg, lib), `contents of ${lib}`);
    const tgz = join(dir, 'gpu.tgz');
    expect(spawnSync('tar', ['-czf', tgz, '-C', join(dir, 'pkg'), 'package']).status).toBe(0);
    expect(missingCudaProviderLibraries(binding)).toHaveLength(2);

    const r = spawnSync('bash', [join(ROOT, 'scripts', 'gpu', 'assemble-cuda-provider.sh'), tgz], { env: { ...process.env, BINDING_DIR: binding }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(missingCudaProviderLibraries(binding)).toEqual([]);
    for (const lib of CUDA_PROVIDER_LIBRARIES) expect(readFileSync(join(binding, lib), 'utf8')).toBe(`contents of ${lib}`);
  });

  it('refuses a folder without the onnxruntime binding', () => {
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'gpu', 'assemble-cuda-provider.sh'), join(dir, 'none.tgz')], {
      env: { ...process.env, BINDING_DIR: join(dir, 'nowhere') },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has no onnxruntime binding/);
  });
});
