import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { storescu } from '../helpers/dcmtk.js';
import { writePart10, type Dataset } from '../../src/dicom/part10.js';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import type { RunningNode } from '../../src/app/node.js';
import { endoscopySeries } from '../derive/endoscopy-fixture.js';
import { removeDir, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';
import { firstItem, kindRulesYaml, numbers, seriesFromOrthanc, type OrthancInstance } from './derived-in-orthanc.js';

/**
 * What a viewer (OHIF's isDisplaySetReconstructable, position-linked scrolling, reference lines)
 * needs to link a derived series to its source and reconstruct it, checked on what Orthanc
 * actually stores for every output kind: same Study UID, same Frame of Reference UID, Image
 * Position/Orientation present with regular spacing along the normal, identical Rows/Columns,
 * and for the multi-frame kind frames in the source order.
 */

const SLICES = 6;
const phantom = createPhantomSeries({ slices: SLICES, rows: 24, columns: 32, sliceThickness: 2.5, seed: 61 });
const sources = Array.from({ length: SLICES }, (_, i) => phantomSliceDataset(phantom, i));

function normalOf(iop: number[]): number[] {
  return [iop[1]! * iop[5]! - iop[2]! * iop[4]!, iop[2]! * iop[3]! - iop[0]! * iop[5]!, iop[0]! * iop[4]! - iop[1]! * iop[3]!];
}

/** Positions along the normal, sorted; and whether consecutive gaps are all equal (to 1 µm) and non-zero. */
function regularSpacing(positions: number[][], iop: number[]): { gaps: number[]; regular: boolean } {
  const n = normalOf(iop);
  const d = positions.map((p) => p.reduce((s, v, k) => s + v * n[k]!, 0)).sort((a, b) => a - b);
  const gaps = d.slice(1).map((v, i) => v - d[i]!);
  return { gaps, regular: gaps.length > 0 && gaps.every((g) => g > 0 && Math.abs(g - gaps[0]!) < 1e-3) };
}

describe('viewer linking: source and derived series as Orthanc serves them, for every output kind', () => {
  let orthanc: OrthancHandle;
  let node: RunningNode;
  let configDir: string;
  let port: number;
  let sourceInOrthanc: OrthancInstance[];
  const derivedByKind = new Map<string, OrthancInstance[]>();

  beforeAll(async () => {
    orthanc = await startOrthanc();
    port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort } });
    writeFileSync(
      join(configDir, 'rules.yaml'),
      kindRulesYaml([
        { name: 'ct-sc', modality: 'CT', output: 'sc-rgb' },
        { name: 'ct-mf', modality: 'CT', output: 'mf-sc-rgb' },
        { name: 'ct-gray', modality: 'CT', output: 'derived-grayscale' },
        { name: 'es-vl', modality: 'ES', output: 'vl-endoscopic' },
        { name: 'es-mf', modality: 'ES', output: 'mf-sc-rgb' },
      ]),
    );
    node = await startTestNode(configDir);
    const dir = mkdtempSync(join(tmpdir(), 'viewer-src-'));
    // Sent in reverse: the node orders by Instance Number, not by arrival.
    const files = sources.map((ds, i) => {
      const path = join(dir, `ct-${i}.dcm`);
      writeFileSync(path, writePart10(ds));
      return path;
    });
    const endoFiles = endoscopySeries(3, 48, 64, 62).map((ds, i) => {
      const path = join(dir, `es-${i}.dcm`);
      writeFileSync(path, writePart10(ds));
      return path;
    });
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [...files].reverse().concat(endoFiles));
    expect(sent.rc, sent.output).toBe(0);
    // The source goes to the PACS as well, as the modality would send it there.
    const direct = await storescu({ port: orthanc.dicomPort, callingAeTitle: 'STORESCU', calledAeTitle: orthanc.aeTitle }, files);
    expect(direct.rc, direct.output).toBe(0);
    await waitForIdle(node);
    removeDir(dir);
    sourceInOrthanc = await seriesFromOrthanc(orthanc, phantom.SeriesInstanceUID);
    for (const d of listDerivedSeriesBySource(node.db, phantom.SeriesInstanceUID)) {
      derivedByKind.set(d.outputKind, await seriesFromOrthanc(orthanc, d.seriesUid));
    }
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
  });

  it('Orthanc holds the source and one derived series per output kind', () => {
    expect(sourceInOrthanc).toHaveLength(SLICES);
    expect([...derivedByKind.keys()].sort()).toEqual(['derived-grayscale', 'mf-sc-rgb', 'sc-rgb']);
    expect(derivedByKind.get('sc-rgb')).toHaveLength(SLICES);
    expect(derivedByKind.get('derived-grayscale')).toHaveLength(SLICES);
    expect(derivedByKind.get('mf-sc-rgb')).toHaveLength(1);
  });

  it('Orthanc orders the single-frame series as the same 3D volume as the source (/series/{id}/ordered-slices)', async () => {
    const ordered = async (seriesUid: string) => {
      const [id] = await orthanc.post<string[]>('/tools/find', { Level: 'Series', Query: { SeriesInstanceUID: seriesUid } });
      return orthanc.get<{ Type: string; SlicesShort: Array<[string, number, number]> }>(`/series/${id}/ordered-slices`);
    };
    const positionsInOrder = async (seriesUid: string, instances: OrthancInstance[]) => {
      const byId = new Map(instances.map((i) => [i.id, i.dataset]));
      const o = await ordered(seriesUid);
      return { type: o.Type, positions: o.SlicesShort.map(([id]) => numbers(byId.get(id)!.ImagePositionPatient)) };
    };
    const source = await positionsInOrder(phantom.SeriesInstanceUID, sourceInOrthanc);
    expect(source.type).toBe('Volume');
    for (const d of listDerivedSeriesBySource(node.db, phantom.SeriesInstanceUID)) {
      if (d.outputKind === 'mf-sc-rgb') {
        const o = await ordered(d.seriesUid);
        expect(o.SlicesShort).toEqual([[derivedByKind.get('mf-sc-rgb')![0]!.id, 0, SLICES]]);
        continue;
      }
      const derived = await positionsInOrder(d.seriesUid, derivedByKind.get(d.outputKind)!);
      expect(derived, d.outputKind).toEqual(source);
    }
  });

  it('the source itself is reconstructable (control for the checks below)', () => {
    const iop = numbers(sourceInOrthanc[0]!.dataset.ImageOrientationPatient);
    const { gaps, regular } = regularSpacing(sourceInOrthanc.map((i) => numbers(i.dataset.ImagePositionPatient)), iop);
    expect(regular).toBe(true);
    expect(gaps[0]).toBeCloseTo(2.5, 6);
  });

  it.each(['sc-rgb', 'derived-grayscale'])('%s: same study and frame of reference, positions regular, same grid, each slice at its source position', (kind) => {
    const derived = derivedByKind.get(kind)!;
    const src = sourceInOrthanc[0]!.dataset;
    const bySop = new Map(sourceInOrthanc.map((i) => [String(i.dataset.SOPInstanceUID), i.dataset]));
    for (const { dataset: ds } of derived) {
      expect(ds.StudyInstanceUID).toBe(src.StudyInstanceUID);
      expect(ds.SeriesInstanceUID).not.toBe(src.SeriesInstanceUID);
      expect(ds.FrameOfReferenceUID).toBe(src.FrameOfReferenceUID);
      expect([ds.Rows, ds.Columns]).toEqual([src.Rows, src.Columns]);
      expect(numbers(ds.ImageOrientationPatient)).toEqual(numbers(src.ImageOrientationPatient));
      expect(numbers(ds.PixelSpacing)).toEqual(numbers(src.PixelSpacing));
      const source = bySop.get(String(firstItem(ds.SourceImageSequence).ReferencedSOPInstanceUID));
      expect(source, 'references a source slice in the PACS').toBeDefined();
      expect(numbers(ds.ImagePositionPatient)).toEqual(numbers(source!.ImagePositionPatient));
      expect(ds.InstanceNumber).toEqual(source!.InstanceNumber);
    }
    expect(new Set(derived.map((d) => d.dataset.SamplesPerPixel)).size).toBe(1);
    const { gaps, regular } = regularSpacing(derived.map((d) => numbers(d.dataset.ImagePositionPatient)), numbers(src.ImageOrientationPatient));
    expect(regular).toBe(true);
    expect(gaps[0]).toBeCloseTo(2.5, 6);
  });

  it('mf-sc-rgb: same study and frame of reference, geometry in the functional groups, frames in source order, regular', () => {
    const [{ dataset: ds }] = derivedByKind.get('mf-sc-rgb')! as [OrthancInstance];
    const src = sourceInOrthanc[0]!.dataset;
    expect(ds.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.7.4');
    expect(ds.StudyInstanceUID).toBe(src.StudyInstanceUID);
    expect(ds.FrameOfReferenceUID).toBe(src.FrameOfReferenceUID);
    expect([ds.Rows, ds.Columns, ds.NumberOfFrames]).toEqual([src.Rows, src.Columns, SLICES]);
    const shared = firstItem(ds.SharedFunctionalGroupsSequence);
    expect(numbers(firstItem(shared.PixelMeasuresSequence).PixelSpacing)).toEqual(numbers(src.PixelSpacing));
    expect(numbers(firstItem(shared.PlaneOrientationSequence).ImageOrientationPatient)).toEqual(numbers(src.ImageOrientationPatient));
    const perFrame = ds.PerFrameFunctionalGroupsSequence as Dataset[];
    const sourceOrder = [...sourceInOrthanc].sort((a, b) => Number(a.dataset.InstanceNumber) - Number(b.dataset.InstanceNumber));
    expect(perFrame.map((f) => numbers(firstItem(f.PlanePositionSequence).ImagePositionPatient))).toEqual(sourceOrder.map((s) => numbers(s.dataset.ImagePositionPatient)));
    expect(perFrame.map((f) => firstItem(firstItem(f.DerivationImageSequence).SourceImageSequence).ReferencedSOPInstanceUID)).toEqual(
      sourceOrder.map((s) => s.dataset.SOPInstanceUID),
    );
    const { regular } = regularSpacing(perFrame.map((f) => numbers(firstItem(f.PlanePositionSequence).ImagePositionPatient)), numbers(src.ImageOrientationPatient));
    expect(regular).toBe(true);
  });

  it('vl-endoscopic and mf-sc-rgb of an endoscopy series: same study, same grid, source order (no geometry to link: the source has none)', async () => {
    const endo = endoscopySeries(3, 48, 64, 62);
    const derived = listDerivedSeriesBySource(node.db, String(endo[0]!.SeriesInstanceUID));
    expect(derived.map((d) => d.outputKind).sort()).toEqual(['mf-sc-rgb', 'vl-endoscopic']);
    for (const d of derived) {
      const instances = await seriesFromOrthanc(orthanc, d.seriesUid);
      for (const { dataset: ds } of instances) {
        expect(ds.StudyInstanceUID).toBe(endo[0]!.StudyInstanceUID);
        expect([ds.Rows, ds.Columns]).toEqual([48, 64]);
        expect(ds.FrameOfReferenceUID).toBeUndefined();
      }
      if (d.outputKind === 'vl-endoscopic') {
        expect(instances.map((i) => i.dataset.SOPClassUID)).toEqual(Array(3).fill('1.2.840.10008.5.1.4.1.1.77.1.1'));
        expect(instances.map((i) => Number(i.dataset.InstanceNumber)).sort()).toEqual([1, 2, 3]);
      } else {
        const perFrame = instances[0]!.dataset.PerFrameFunctionalGroupsSequence as Dataset[];
        expect(perFrame.map((f) => firstItem(firstItem(f.DerivationImageSequence).SourceImageSequence).ReferencedSOPInstanceUID)).toEqual(endo.map((e) => e.SOPInstanceUID));
      }
    }
  });
});
