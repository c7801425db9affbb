import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivationCodesFor } from '../../src/derive/codes.js';
import { EnhancedGrayscaleImageBuilder } from '../../src/derive/enhanced-grayscale-image.js';
import { buildProcessingStamp } from '../../src/derive/equipment.js';
import { GrayscaleImageBuilder } from '../../src/derive/grayscale-image.js';
import { type Dataset, writePart10 } from '../../src/dicom/part10.js';
import { derivedSeriesUid, derivedSopInstanceUid } from '../../src/dicom/uid.js';
import { createRgbImage } from '../../src/render/rgb-image.js';
import { unexplained } from './enhanced-dicom3tools.js';
import { enhancedSource } from './enhanced-fixture.js';

/**
 * derived-grayscale of Enhanced CT and Enhanced MR sources, straight from the builder: the source
 * fixtures and the derived objects pass dciodvfy (only the accepted lines of
 * enhanced-dicom3tools.ts), and dcentvfy accepts each derived object alone and with its source.
 */
const PROCESSING = buildProcessingStamp({
  modelId: 'unimie-adm256',
  modelVersion: '1.0',
  modelSha256: '9f'.repeat(32),
  processedAt: new Date('2026-01-02T03:04:05.678Z'),
  description: 'UniMIE diffusion enhancement of the windowed image',
  stationAeTitle: 'UNIMIE',
});

function tool(name: string, args: string[]): { rc: number | null; output: string } {
  const res = spawnSync(name, args, { encoding: 'utf8' });
  if (res.error) throw new Error(`${name} could not be run (install dicom3tools): ${res.error.message}`);
  return { rc: res.status, output: `${res.stdout}\n${res.stderr}` };
}

/** `classical`: what ran coded per frame (alternating steps), as the pipeline writes it for a classical-labelled preset. */
const FRAME_CODES = [
  derivationCodesFor({ unimie: false, classical: ['contrast-stretch', 'local-gamma-start', 'detail-transfer', 'background-copy'] }),
  derivationCodesFor({ unimie: false, classical: ['gamma-start', 'detail-boost'] }),
];

function derive(source: Dataset, operation: 'enhance' | 'render' | 'classical', frameIndices?: number[]): Dataset {
  const series = derivedSeriesUid({ sourceSeriesUid: String(source.SeriesInstanceUID), modelSha256: '9f'.repeat(32), presetKey: 'p', windowName: 'w', outputKind: 'derived-grayscale' });
  const indices = frameIndices ?? Array.from({ length: Number(source.NumberOfFrames) }, (_, i) => i);
  return EnhancedGrayscaleImageBuilder.fromSource(
    source,
    indices.map((frameIndex) => {
      const image = createRgbImage(Number(source.Columns), Number(source.Rows));
      for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 13 + frameIndex * 7) % 256;
      const window = source.Modality === 'CT' ? { name: 'lung', center: -600, width: 1500 } : { name: 'file', center: 600, width: 1200 };
      return { frameIndex, image, window, ...(operation === 'classical' ? { derivationCodes: FRAME_CODES[frameIndex % 2]! } : {}) };
    }),
    {
      seriesInstanceUid: series,
      sopInstanceUid: derivedSopInstanceUid({ derivedSeriesUid: series, sourceSopInstanceUid: String(source.SOPInstanceUID), frameIndex: 0 }),
      seriesNumber: 1005,
      seriesDescription: 'Enhanced - lung - NOT FOR PRIMARY DIAGNOSIS',
      derivationDescription: 'UniMIE 1.0 on window lung; values mapped into the window range, not HU; NOT FOR PRIMARY DIAGNOSIS',
      imageTypeValue4: operation === 'render' ? 'RENDERED' : 'ENHANCED',
      operation: operation === 'render' ? 'render' : 'enhance',
      ...(operation === 'classical' ? { derivationCodes: [...FRAME_CODES[0]!, ...FRAME_CODES[1]!] } : {}),
      processing: PROCESSING,
    },
  );
}

describe('derived-grayscale of Enhanced CT / Enhanced MR passes dicom3tools', () => {
  let dir: string;
  const write = (name: string, ds: Dataset): string => {
    const path = join(dir, `${name}.dcm`);
    writeFileSync(path, writePart10(ds));
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'enhanced-gray-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['CT', 'EnhancedCTImage', 'enhance'],
    ['CT', 'EnhancedCTImage', 'render'],
    ['CT', 'EnhancedCTImage', 'classical'],
    ['MR', 'EnhancedMRImage', 'enhance'],
    ['MR', 'EnhancedMRImage', 'render'],
    ['MR', 'EnhancedMRImage', 'classical'],
  ] as const)('Enhanced %s (%s, %s): source and derived object valid, consistent alone and with the source', (modality, iod, operation) => {
    const source = enhancedSource(modality, { frames: 5, rows: 24, columns: 20, seed: 3 });
    const sourcePath = write(`src-${modality}-${operation}`, source);
    const src = tool('dciodvfy', [sourcePath]);
    expect(src.output).toContain(iod);
    expect(src.output.split('\n').filter((l) => /^(Error|Warning)/.test(l.trim())), 'the fixture itself is clean').toEqual([]);

    const derivedPath = write(`der-${modality}-${operation}`, derive(source, operation));
    const v = tool('dciodvfy', [derivedPath]);
    expect(v.output).toContain(iod);
    expect(unexplained(v.output, iod)).toEqual([]);
    for (const paths of [[derivedPath], [sourcePath, derivedPath]]) {
      const e = tool('dcentvfy', paths);
      expect(e.output.split('\n').filter((l) => l.startsWith('Error')), paths.join(' ')).toEqual([]);
      expect(e.rc).toBe(0);
    }
  });

  it('a subset of the frames (one failed to decode) is still a valid object', () => {
    const source = enhancedSource('MR', { frames: 5, rows: 24, columns: 20, seed: 4 });
    const v = tool('dciodvfy', [write('der-subset', derive(source, 'enhance', [0, 1, 3, 4]))]);
    expect(unexplained(v.output, 'EnhancedMRImage')).toEqual([]);
  });

  it('the harness fails on a broken object (control: a frame without its Frame Type, the Pixel Value Transformation removed)', () => {
    const source = enhancedSource('MR', { frames: 3, rows: 24, columns: 20, seed: 5 });
    const broken = derive(source, 'enhance');
    const shared = (broken.SharedFunctionalGroupsSequence as Dataset[])[0]!;
    delete shared.MRImageFrameTypeSequence;
    delete shared.PixelValueTransformationSequence;
    const v = tool('dciodvfy', [write('broken', broken)]);
    expect(unexplained(v.output, 'EnhancedMRImage').some((l) => l.startsWith('Error'))).toBe(true);
  });

  it('the single-frame builder still refuses a multi-frame source, naming what it needs', () => {
    const source = enhancedSource('CT', { frames: 2, rows: 24, columns: 20 });
    const image = createRgbImage(20, 24);
    const opts = { seriesInstanceUid: '2.25.1', sopInstanceUid: '2.25.2', seriesNumber: 1, seriesDescription: 'x', derivationDescription: 'x', processing: PROCESSING };
    const window = { name: 'w', center: 40, width: 400 };
    expect(() => GrayscaleImageBuilder.fromSource({ ...source, SOPClassUID: '1.2.840.10008.5.1.4.1.1.2' }, image, { ...opts, window })).toThrow(
      /needs single-frame CT\/MR Image Storage or Enhanced CT\/MR Image Storage sources; this 1\.2\.840\.10008\.5\.1\.4\.1\.1\.2 object has 2 frames/,
    );
  });
});
