/**
 * Timestep respacing (guided-diffusion `respace.py` `space_timesteps` and `SpacedDiffusion`;
 * unimie-algorithm.md §3). Pure.
 */
import { buildSchedule, type DiffusionSchedule } from './schedule.js';

/** Python's round(): half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/**
 * The kept original timesteps, sorted ascending. `spec` is "ddimN", a comma-separated list of
 * section counts ("10" or "10,15,20"), a number (one section), or an explicit list.
 */
export function spaceTimesteps(numTimesteps: number, spec: string | number | readonly number[]): number[] {
  if (Array.isArray(spec)) return [...new Set(spec as number[])].sort((a, b) => a - b);
  if (typeof spec === 'string' && spec.startsWith('ddim')) {
    const desired = Number(spec.slice(4));
    for (let stride = 1; stride < numTimesteps; stride++) {
      if (Math.ceil(numTimesteps / stride) === desired) {
        const out: number[] = [];
        for (let i = 0; i < numTimesteps; i += stride) out.push(i);
        return out;
      }
    }
    throw new RangeError(`cannot create exactly ${desired} steps with an integer stride from ${numTimesteps}`);
  }
  const counts = typeof spec === 'number' ? [spec] : String(spec).split(',').map((s) => Number(s.trim()));
  if (counts.some((c) => !Number.isInteger(c) || c < 0)) throw new RangeError(`bad section counts "${String(spec)}"`);
  const sizePer = Math.floor(numTimesteps / counts.length);
  const extra = numTimesteps % counts.length;
  let startIdx = 0;
  const all = new Set<number>();
  counts.forEach((count, i) => {
    const size = sizePer + (i < extra ? 1 : 0);
    if (size < count) throw new RangeError(`cannot divide a section of ${size} steps into ${count}`);
    const fracStride = count <= 1 ? 1 : (size - 1) / (count - 1);
    let cur = 0;
    for (let j = 0; j < count; j++) {
      all.add(startIdx + roundHalfEven(cur));
      cur += fracStride;
    }
    startIdx += size;
  });
  return [...all].sort((a, b) => a - b);
}

/**
 * The schedule restricted to the kept timesteps S: ᾱ'_k = ᾱ_{S_k}, β'_k = 1 − ᾱ'_k/ᾱ'_{k−1};
 * the network is given S_k.
 */
export function respaceSchedule(betas: Float64Array, kept: readonly number[]): DiffusionSchedule {
  const keep = new Set(kept);
  const newBetas: number[] = [];
  const map: number[] = [];
  let last = 1;
  let acp = 1;
  for (let i = 0; i < betas.length; i++) {
    acp *= 1 - betas[i]!;
    if (keep.has(i)) {
      newBetas.push(1 - acp / last);
      last = acp;
      map.push(i);
    }
  }
  if (map.length !== keep.size) throw new RangeError(`kept timesteps outside 0…${betas.length - 1}`);
  return buildSchedule(Float64Array.from(newBetas), map);
}
