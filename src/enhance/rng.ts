/**
 * Seeded random numbers for the sampler: xoshiro128** seeded through splitmix32, uniforms with
 * 53 random bits, normals by Box–Muller. Pure integer arithmetic, so the same (seed, stream)
 * gives the same numbers on every run and every machine.
 */

/** A reproducible random source. */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
  /** Fill with standard normals. */
  fillNormal(out: Float32Array | Float64Array): void;
  /** Fill with uniforms in [0, 1). */
  fillUniform(out: Float32Array | Float64Array): void;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Create a generator for (seed, stream). Different streams (for example the slice index of a
 * series) give independent sequences from one seed.
 */
export function createRng(seed: number, stream = 0): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed ${seed} must be an integer in [0, 2^32)`);
  if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) throw new RangeError(`stream ${stream} must be an integer in [0, 2^32)`);
  const sm = { s: seed | 0 };
  sm.s = (sm.s ^ Math.imul(stream | 0, 0x6c8e9cf5)) | 0;
  let a = splitmix32(sm) | 0;
  let b = splitmix32(sm) | 0;
  let c = splitmix32(sm) | 0;
  let d = splitmix32(sm) | 0;
  if ((a | b | c | d) === 0) a = 1;

  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const uniform = (): number => {
    const hi = next() >>> 5; // 27 bits
    const lo = next() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  };
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return {
    uniform,
    normal,
    fillNormal(out) {
      // Box–Muller in pairs from 32-bit uniforms (ample resolution for sampling noise).
      let i = 0;
      if (spare !== null && out.length > 0) out[i++] = normal();
      const n = out.length;
      for (; i + 1 < n; i += 2) {
        const u = (next() + 0.5) / 4294967296;
        const v = next() / 4294967296;
        const r = Math.sqrt(-2 * Math.log(u));
        const a = 2 * Math.PI * v;
        out[i] = r * Math.cos(a);
        out[i + 1] = r * Math.sin(a);
      }
      if (i < n) out[i] = normal();
    },
    fillUniform(out) {
      for (let i = 0; i < out.length; i++) out[i] = uniform();
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
