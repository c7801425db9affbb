import { describe, expect, it } from 'vitest';
import { leastSquaresChannelGains, leastSquaresGain } from './enhancement-run.js';

describe('initial illumination gains', () => {
  it('fits each channel on its own; on a grey image the three equal the scalar fit', () => {
    const n = 50;
    const start = new Float32Array(3 * n).map((_, i) => ((i % n) / n) * 2 - 1);
    const gains = [0.9, 0.5, 0.25];
    // y01 = gain_c · start01, in [-1, 1]
    const y = start.map((v, i) => 2 * gains[Math.floor(i / n)]! * ((v + 1) / 2) - 1);
    const fitted = leastSquaresChannelGains(y, start);
    fitted.forEach((g, c) => expect(g).toBeCloseTo(gains[c]!, 5));
    const grey = Float32Array.from(y.subarray(0, n)).map((v) => v);
    const y3 = new Float32Array(3 * n);
    for (let c = 0; c < 3; c++) y3.set(grey, c * n);
    const s3 = new Float32Array(3 * n);
    for (let c = 0; c < 3; c++) s3.set(start.subarray(0, n), c * n);
    for (const g of leastSquaresChannelGains(y3, s3)) expect(g).toBeCloseTo(leastSquaresGain(y3, s3), 6);
  });
});
