/**
 * Expands a Segmented Palette Color Lookup Table (PS3.3 C.7.9.2): discrete (opcode 0), linear
 * (1) and indirect (2) segments of 16-bit words. Linear segments are rounded half to even, like
 * pydicom (the standard leaves the rounding open). The indirect segment's 32-bit offset (least
 * significant word first) counts words from the start of the table, as pydicom and GDCM read it.
 */
export function expandSegmentedLut(words: ArrayLike<number>, maxEntries = 65536): number[] {
  const out: number[] = [];
  expandInto(words, 0, Infinity, out, undefined, maxEntries, 0);
  return out.length > maxEntries ? out.slice(0, maxEntries) : out;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function expandInto(
  words: ArrayLike<number>,
  start: number,
  segments: number,
  out: number[],
  previous: number | undefined,
  maxEntries: number,
  depth: number,
): void {
  if (depth > 8) throw new RangeError('segmented LUT: indirect segments nested too deep');
  let i = start;
  let read = 0;
  while (i + 1 < words.length && read < segments && out.length < maxEntries) {
    const opcode = words[i];
    const length = words[i + 1];
    i += 2;
    if (opcode === 0) {
      for (let k = 0; k < length && i + k < words.length; k++) out.push(words[i + k]);
      i += length;
    } else if (opcode === 1) {
      const y0 = out.length > 0 ? out[out.length - 1] : previous;
      if (y0 === undefined) throw new RangeError('segmented LUT: a linear segment cannot come first');
      const y1 = words[i++];
      const step = (y1 - y0) / length;
      for (let k = 1; k <= length; k++) out.push(k === length ? y1 : roundHalfEven(y0 + step * k));
    } else if (opcode === 2) {
      if (out.length === 0) throw new RangeError('segmented LUT: an indirect segment cannot come first');
      const offset = words[i] | (words[i + 1] << 16);
      i += 2;
      expandInto(words, offset, length, out, out[out.length - 1], maxEntries, depth + 1);
    } else {
      throw new RangeError(`segmented LUT: unknown segment type ${opcode}`);
    }
    read++;
  }
}
