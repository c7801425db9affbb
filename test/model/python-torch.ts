import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** Debian's interpreter with python3-torch; the `python3` on PATH may be another one. */
export const PYTHON = process.env.UNIMIE_PYTHON ?? '/usr/bin/python3';
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** True when PYTHON can import torch and numpy. */
export function torchAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

/** The model tests need Debian's torch (scripts/setup.sh installs it): a missing one is a failure. */
export function requireTorch(): boolean {
  if (!torchAvailable()) {
    throw new Error(`${PYTHON} cannot import torch and numpy: install Debian's python3-torch and python3-numpy (scripts/setup.sh)`);
  }
  return true;
}

/** Runs a Python script synchronously; throws with its stderr when it fails. */
export function runPython(args: string[], timeoutMs: number): string {
  const r = spawnSync(PYTHON, args, { cwd: REPO, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${PYTHON} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr.slice(-4000)}`);
  }
  return r.stdout;
}
