import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { runTool, storescu } from '../helpers/dcmtk.js';
import { readPart10, writePart10, type Dataset } from '../../src/dicom/part10.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { createDerivedObjectBuilder, createSliceRenderer } from '../../src/pipeline/stage-adapters.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import { derivationsOfSeries } from '../../src/provenance/derivations.js';
import type { RunningNode } from '../../src/app/node.js';
import { unexplained } from '../derive/enhanced-dicom3tools.js';
import { enhancedSource } from '../derive/enhanced-fixture.js';
import { removeDir, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';
import { firstItem, kindRulesYaml, numbers, seriesFromOrthanc, writeInstances, type OrthancInstance } from './derived-in-orthanc.js';

/**
 * Output derived-grayscale of Enhanced CT and Enhanced MR sources through the node (receive →
 * render → derive → Orthanc, render-only): one Enhanced CT/MR object per source object with the
 * source's frames, valid for dciodvfy (only the lines enhanced-dicom3tools.ts accepts) and
 * dcentvfy, and linkable by a viewer — same study and frame of reference, every frame at its source
 * frame's position with its orientation and spacing, same grid, frames in source order — with
 * the rendered grey of each source frame as its stored values.
 */

const SOURCES = {
  CT: enhancedSource('CT', { frames: 6, rows: 24, columns: 32, seed: 81 }),
  MR: enhancedSource('MR', { frames: 5, rows: 28, columns: 20, seed: 82 }),
} as const;
const IOD = { CT: 'EnhancedCTImage', MR: 'EnhancedMRImage' } as const;

/** A functional group macro of frame i: per-frame first, then shared (PS3.3 C.7.6.16.1.1). */
function group(ds: Dataset, i: number, name: string): Dataset {
  const own = (ds.PerFrameFunctionalGroupsSequence as Dataset[])[i]![name];
  return firstItem(own ?? firstItem(ds.SharedFunctionalGroupsSequence)[name]);
}

describe('derived-grayscale of Enhanced CT / Enhanced MR through the node, as Orthanc stores it', () => {
  let orthanc: OrthancHandle;
  let node: RunningNode;
  let configDir: string;
  let work: string;
  const sourcePaths: Record<string, string> = {};
  const derived = new Map<string, { seriesUid: string; instances: OrthancInstance[] }>();

  beforeAll(async () => {
    orthanc = await startOrthanc();
    const port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort } });
    writeFileSync(
      join(configDir, 'rules.yaml'),
      kindRulesYaml([
        { name: 'ct-gray', modality: 'CT', output: 'derived-grayscale' },
        { name: 'mr-gray', modality: 'MR', output: 'derived-grayscale' },
      ]),
    );
    node = await startTestNode(configDir);
    work = mkdtempSync(join(tmpdir(), 'enhanced-e2e-'));
    for (const [modality, ds] of Object.entries(SOURCES)) {
      sourcePaths[modality] = join(work, `enhanced-${modality}.dcm`);
      writeFileSync(sourcePaths[modality]!, writePart10(ds));
    }
    const files = Object.values(sourcePaths);
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, files);
    expect(sent.rc, sent.output).toBe(0);
    // The modality sends the source to the PACS too: the viewer sees both.
    const direct = await storescu({ port: orthanc.dicomPort, callingAeTitle: 'STORESCU', calledAeTitle: orthanc.aeTitle }, files);
    expect(direct.rc, direct.output).toBe(0);
    await waitForIdle(node, 60_000).catch((err: Error) => {
      const failed = node.db.prepare("SELECT rule_name, last_error FROM jobs WHERE state IN ('failed', 'dead')").all();
      throw new Error(`${err.message}; failed jobs: ${JSON.stringify(failed)}`);
    });
    for (const [modality, ds] of Object.entries(SOURCES)) {
      const series = listDerivedSeriesBySource(node.db, String(ds.SeriesInstanceUID));
      expect(series.map((s) => s.outputKind), modality).toEqual(['derived-grayscale']);
      derived.set(modality, { seriesUid: series[0]!.seriesUid, instances: await seriesFromOrthanc(orthanc, series[0]!.seriesUid) });
    }
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
    if (work) removeDir(work);
  });

  it.each(['CT', 'MR'] as const)('Enhanced %s: one object of the source IOD with every source frame, one provenance row per frame', (modality) => {
    const source = SOURCES[modality];
    const { seriesUid, instances } = derived.get(modality)!;
    expect(instances).toHaveLength(1);
    const ds = instances[0]!.dataset;
    expect(ds.SOPClassUID).toBe(source.SOPClassUID);
    expect(ds.NumberOfFrames).toBe(source.NumberOfFrames);
    expect(ds.ImageType).toEqual(['DERIVED', 'PRIMARY', 'VOLUME', 'RENDERED']);
    const rows = derivationsOfSeries(node.db, seriesUid);
    expect(rows.map((r) => [r.source_frame_index, r.derived_frame_number, r.derived_sop_instance_uid])).toEqual(
      Array.from({ length: Number(source.NumberOfFrames) }, (_, i) => [i, i + 1, ds.SOPInstanceUID]),
    );
  });

  it.each(['CT', 'MR'] as const)('Enhanced %s: dciodvfy finds only the accepted lines; dcentvfy accepts it alone and with its source', async (modality) => {
    const paths = writeInstances(work, `derived-${modality}`, derived.get(modality)!.instances);
    const v = await runTool('dciodvfy', paths);
    expect(v.output).toContain(IOD[modality]);
    expect(unexplained(v.output, IOD[modality])).toEqual([]);
    for (const set of [paths, [sourcePaths[modality]!, ...paths]]) {
      const e = await runTool('dcentvfy', set);
      expect(e.output.split('\n').filter((l) => l.startsWith('Error')), set.join(' ')).toEqual([]);
      expect(e.rc).toBe(0);
    }
  });

  it.each(['CT', 'MR'] as const)('Enhanced %s: linkable by a viewer — same study and frame of reference, grid, and every frame at its source frame', async (modality) => {
    const [src] = (await seriesFromOrthanc(orthanc, String(SOURCES[modality].SeriesInstanceUID))).map((i) => i.dataset);
    expect(src, 'the source is in the PACS').toBeDefined();
    const ds = derived.get(modality)!.instances[0]!.dataset;
    expect(ds.StudyInstanceUID).toBe(src!.StudyInstanceUID);
    expect(ds.SeriesInstanceUID).not.toBe(src!.SeriesInstanceUID);
    expect(ds.FrameOfReferenceUID).toBe(src!.FrameOfReferenceUID);
    expect([ds.Rows, ds.Columns]).toEqual([src!.Rows, src!.Columns]);
    const n = Number(src!.NumberOfFrames);
    for (let i = 0; i < n; i++) {
      expect(numbers(group(ds, i, 'PlanePositionSequence').ImagePositionPatient), `frame ${i + 1}`).toEqual(numbers(group(src!, i, 'PlanePositionSequence').ImagePositionPatient));
      expect(numbers(group(ds, i, 'PlaneOrientationSequence').ImageOrientationPatient)).toEqual(numbers(group(src!, i, 'PlaneOrientationSequence').ImageOrientationPatient));
      expect(numbers(group(ds, i, 'PixelMeasuresSequence').PixelSpacing)).toEqual(numbers(group(src!, i, 'PixelMeasuresSequence').PixelSpacing));
      expect(group(ds, i, 'FrameContentSequence').InStackPositionNumber).toBe(group(src!, i, 'FrameContentSequence').InStackPositionNumber);
      const ref = firstItem(group(ds, i, 'DerivationImageSequence').SourceImageSequence);
      expect([ref.ReferencedSOPInstanceUID, numbers(ref.ReferencedFrameNumber)]).toEqual([src!.SOPInstanceUID, [i + 1]]);
    }
  });

  it.each(['CT', 'MR'] as const)('Enhanced %s: each frame holds the rendered source frame (display grey) with the window as its rescale', async (modality) => {
    const window = modality === 'CT' ? 'soft-tissue' : 'file';
    const rendered = await createSliceRenderer(() => ({ windows: {} }) as unknown as LoadedConfig).render(readPart10(readFileSync(sourcePaths[modality]!)), window);
    const ds = derived.get(modality)!.instances[0]!.dataset;
    const bytes = new Uint8Array((ds.PixelData as ArrayBuffer[])[0]!);
    const stored = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    const frameLength = Number(ds.Rows) * Number(ds.Columns);
    expect(rendered).toHaveLength(Number(ds.NumberOfFrames));
    for (const [k, frame] of rendered.entries()) {
      const grey = Array.from({ length: frameLength }, (_, p) => frame.image.data[p * 3]!);
      expect([...stored.subarray(k * frameLength, (k + 1) * frameLength)], `frame ${k + 1}`).toEqual(grey);
      const voi = group(ds, k, 'FrameVOILUTSequence');
      expect([Number(voi.WindowCenter), Number(voi.WindowWidth)]).toEqual([frame.window!.center, frame.window!.width]);
      expect(group(ds, k, 'PixelValueTransformationSequence').RescaleType).toBe('US');
    }
  });

  it('the builder keeps only Enhanced CT/MR sources whole for derived-grayscale; other kinds and classes go per frame', () => {
    const builder = createDerivedObjectBuilder('UNIMIE');
    expect(builder.wholeObject('derived-grayscale', SOURCES.CT)).toBe(true);
    expect(builder.wholeObject('derived-grayscale', SOURCES.MR)).toBe(true);
    expect(builder.wholeObject('sc-rgb', SOURCES.CT)).toBe(false);
    expect(builder.wholeObject('derived-grayscale', { ...SOURCES.CT, SOPClassUID: '1.2.840.10008.5.1.4.1.1.2.2' })).toBe(false);
  });
});
