import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { runTool, storescu } from '../helpers/dcmtk.js';
import { readPart10, type Dataset } from '../../src/dicom/part10.js';
import { BASIC_TEXT_SR_STORAGE } from '../../src/derive/enhancement-report-sr.js';
import { REPORT_OUTPUT_KIND } from '../../src/pipeline/enhancement-report.js';
import { derivationsOfSeries } from '../../src/provenance/derivations.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import type { RunningNode } from '../../src/app/node.js';
import { EMBEDDED_MANIFEST, removeDir, SAMPLES, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';
import { seriesFromOrthanc } from './derived-in-orthanc.js';

/**
 * A CT rule with `report: true` (storescu → node → Orthanc): Orthanc gets the derived series and
 * one Basic Text SR in the same study, in its own SR series, dciodvfy-clean as Orthanc stores it,
 * that names each derived series, the source series, the model and its hash.
 */
describe('enhancement report in the PACS (storescu → node → Orthanc)', () => {
  let orthanc: OrthancHandle | undefined;
  let node: RunningNode | undefined;
  let configDir: string | undefined;
  let work: string | undefined;

  afterAll(async () => {
    await node?.stop();
    await orthanc?.stop();
    if (configDir) removeDir(configDir);
    if (work) removeDir(work);
  });

  it('delivers the derived series plus one SR in the same study', async () => {
    if (!existsSync(EMBEDDED_MANIFEST)) throw new Error(`the shipped model is missing: ${EMBEDDED_MANIFEST}`);
    orthanc = await startOrthanc();
    const port = await freePort();
    configDir = writeTestConfig({
      port,
      transport: 'dcmjs-dimse',
      pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort },
      rulesYaml: `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 1 }
    actions: { windows: [soft-tissue, lung], enhance: fast, output: sc-rgb, destinations: [pacs], report: true }
  - name: default
    default: true
    actions: { drop: true }
`,
    });
    node = await startTestNode(configDir);
    const file = join(SAMPLES, 'ct-small', 'CT_small.dcm');
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [file]);
    expect(sent.rc, sent.output).toBe(0);
    await waitForIdle(node, 300_000);

    const source = readPart10(readFileSync(file)).dataset;
    const all = listDerivedSeriesBySource(node.db, String(source.SeriesInstanceUID));
    const images = all.filter((d) => d.outputKind !== REPORT_OUTPUT_KIND);
    const reports = all.filter((d) => d.outputKind === REPORT_OUTPUT_KIND);
    expect(images).toHaveLength(2);
    expect(reports).toHaveLength(1);

    // waitForIdle waited for the deliveries too: Orthanc holds every object now.
    const srInstances = await seriesFromOrthanc(orthanc, reports[0]!.seriesUid);
    for (const d of images) expect((await seriesFromOrthanc(orthanc, d.seriesUid)).length).toBe(1);
    expect(srInstances).toHaveLength(1);
    const sr = srInstances[0]!;
    expect(sr.dataset.SOPClassUID).toBe(BASIC_TEXT_SR_STORAGE);

    // Orthanc's REST API puts the SR in the source's study, as a series of modality SR.
    const study = await orthanc.get<{ ID: string; MainDicomTags: { StudyInstanceUID: string } }>(`/instances/${sr.id}/study`);
    expect(study.MainDicomTags.StudyInstanceUID).toBe(source.StudyInstanceUID);
    const srSeries = await orthanc.get<{ MainDicomTags: { Modality: string; SeriesInstanceUID: string } }>(`/instances/${sr.id}/series`);
    expect(srSeries.MainDicomTags).toMatchObject({ Modality: 'SR', SeriesInstanceUID: reports[0]!.seriesUid });
    const studySeries = await orthanc.get<Array<{ MainDicomTags: { SeriesInstanceUID: string } }>>(`/studies/${study.ID}/series`);
    expect(studySeries.map((s) => s.MainDicomTags.SeriesInstanceUID)).toEqual(expect.arrayContaining([...images.map((d) => d.seriesUid), reports[0]!.seriesUid]));

    // What it says: one section per derived series, with the source series and the model hash.
    const sections = (sr.dataset.ContentSequence as Dataset[]).filter((i) => i.ValueType === 'CONTAINER');
    expect(sections).toHaveLength(2);
    const sha = derivationsOfSeries(node.db, images[0]!.seriesUid)[0]!.model_sha256;
    for (const s of sections) {
      const items = s.ContentSequence as Dataset[];
      const uids = items.filter((i) => i.ValueType === 'UIDREF').map((i) => i.UID);
      expect(uids).toContain(source.SeriesInstanceUID);
      expect(items.map((i) => i.TextValue)).toContain(sha);
    }
    expect(sections.map((s) => (s.ContentSequence as Dataset[])[0]!.UID).sort()).toEqual(images.map((d) => d.seriesUid).sort());

    work = mkdtempSync(join(tmpdir(), 'report-e2e-'));
    const path = join(work, 'report.dcm');
    writeFileSync(path, sr.bytes);
    const v = await runTool('dciodvfy', [path]);
    expect(v.output).toContain('BasicTextSR');
    expect(v.output.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
  }, 420_000);
});
