import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { runTool, storescu } from '../helpers/dcmtk.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import { listDeliveries } from '../../src/provenance/deliveries.js';
import type { RunningNode } from '../../src/app/node.js';
import { EMBEDDED_MANIFEST, removeDir, SAMPLES, startTestNode, waitForIdle, writeTestConfig } from './node-harness.js';
import { seriesFromOrthanc } from './derived-in-orthanc.js';
import { loadManifest } from '../../src/enhance/model-manifest.js';
import { derivationsOfSeries, whatRanOf } from '../../src/provenance/derivations.js';
import { CLASSICAL_STEP_CODES, type ClassicalStepName } from '../../src/derive/codes.js';
import type { Dataset } from '../../src/dicom/part10.js';
import type { ContributionRecord } from '../../src/enhance/measured-contribution.js';


interface OrthancSeries {
  ID: string;
  Instances: string[];
  ParentStudy: string;
  MainDicomTags: Record<string, string>;
}

async function orthancSeries(orthanc: OrthancHandle, seriesUid: string): Promise<OrthancSeries | undefined> {
  const found = await orthanc.post<OrthancSeries[]>('/tools/find', { Level: 'Series', Query: { SeriesInstanceUID: seriesUid }, Expand: true });
  return found[0];
}

/**
 * Sends CT5N with storescu and checks the derived series in Orthanc: same study, one instance per
 * slice, new UIDs, Secondary Capture, dciodvfy clean.
 */
async function sendSeriesAndCheck(node: RunningNode, orthanc: OrthancHandle, port: number, workDir: string): Promise<void> {
  const ct5n = join(SAMPLES, 'ct5n');
  const files = readdirSync(ct5n).map((f) => join(ct5n, f));
  const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, files);
  expect(sent.rc, sent.output).toBe(0);
  await waitForIdle(node);

  const source = readPart10(readFileSync(files[0]!)).dataset;
  const derived = listDerivedSeriesBySource(node.db, String(source.SeriesInstanceUID));
  expect(derived).toHaveLength(1);
  const series = await orthancSeries(orthanc, derived[0]!.seriesUid);
  expect(series, 'derived series in Orthanc').toBeDefined();
  expect(series!.Instances).toHaveLength(files.length);
  const study = await orthanc.get<{ MainDicomTags: Record<string, string> }>(`/studies/${series!.ParentStudy}`);
  expect(study.MainDicomTags.StudyInstanceUID).toBe(source.StudyInstanceUID);

  const sourceSops = new Set(files.map((f) => String(readPart10(readFileSync(f)).dataset.SOPInstanceUID)));
  for (const id of series!.Instances) {
    const bytes = await orthanc.getBytes(`/instances/${id}/file`);
    const ds = readPart10(bytes).dataset;
    expect(ds.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.7');
    expect(ds.SeriesInstanceUID).not.toBe(source.SeriesInstanceUID);
    expect(sourceSops.has(String(ds.SOPInstanceUID))).toBe(false);
    expect(ds.ImageType).toEqual(expect.arrayContaining(['DERIVED', 'SECONDARY']));
    const path = join(workDir, `${id}.dcm`);
    writeFileSync(path, bytes);
    const v = await runTool('dciodvfy', [path]);
    expect(v.output.split('\n').filter((l) => l.startsWith('Error')), v.output).toEqual([]);
  }
}

describe('DICOM spine end to end (dcmjs-dimse): storescu → node → Orthanc', () => {
  const transport = 'dcmjs-dimse';
  let orthanc: OrthancHandle;
  let configDir: string;
  let port: number;
  let node: RunningNode | undefined;

  beforeAll(async () => {
    orthanc = await startOrthanc();
    port = await freePort();
    configDir = writeTestConfig({ port, transport, pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort } });
  });

  afterAll(async () => {
    await node?.stop();
    await orthanc?.stop();
    removeDir(configDir);
  });

  it('puts a derived series of a CT series into the same study, one instance per slice, with new UIDs', async () => {
    node = await startTestNode(configDir);
    await sendSeriesAndCheck(node, orthanc, port, configDir);
  });

  it('rejects an unknown calling AE and logs the association', async () => {
    const r = await storescu({ port, callingAeTitle: 'INTRUDER', calledAeTitle: 'UNIMIE' }, [join(SAMPLES, 'ct-small', readdirSync(join(SAMPLES, 'ct-small'))[0]!)]);
    expect(r.rc).not.toBe(0);
    expect(r.output).toMatch(/Calling AE Title Not Recognized|rejected/i);
    const row = node!.db.prepare("SELECT * FROM associations WHERE calling_ae = 'INTRUDER'").get() as { outcome: string; reject_reason: string } | undefined;
    expect(row?.outcome).toBe('rejected');
    expect(row?.reject_reason).toMatch(/INTRUDER|calling/i);
  });

  it('loses nothing and sends nothing twice across restarts between receive and export', async () => {
    const mr700 = join(SAMPLES, 'mr700');
    const files = readdirSync(mr700).map((f) => join(mr700, f));
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, files);
    expect(sent.rc, sent.output).toBe(0);
    // Stop before the quiet period ends: the series is stored but no job exists yet.
    await node!.stop();
    node = await startTestNode(configDir);
    await waitForIdle(node);

    const source = readPart10(readFileSync(files[0]!)).dataset;
    const derived = listDerivedSeriesBySource(node.db, String(source.SeriesInstanceUID));
    expect(derived).toHaveLength(1);
    const series = await orthancSeries(orthanc, derived[0]!.seriesUid);
    expect(series!.Instances).toHaveLength(files.length);

    // Another restart: nothing is re-sent (each delivery done once, first attempt).
    await node.stop();
    node = await startTestNode(configDir);
    await waitForIdle(node);
    const rows = listDeliveries(node.db, { state: 'done', seriesUid: derived[0]!.seriesUid });
    expect(rows).toHaveLength(files.length);
    expect(rows.every((d) => d.attempts === 1)).toBe(true);
    const stats = await orthanc.get<{ CountInstances: number }>('/statistics');
    expect(stats.CountInstances).toBe(5 + files.length);
  });
});

/**
 * The DCMTK-based listener writes files itself and cannot refuse callers or be restarted inside one
 * process (its SCP thread keeps the port until exit), so it is checked for the receive → derive →
 * export path and the adoption of its inbox; the reject and restart cases above are dcmjs-dimse's.
 */

/** An Orthanc and a node for one describe block, stopped and removed after it. */
function orthancAndNode(): { orthanc?: OrthancHandle; node?: RunningNode; configDir?: string } {
  const ctx: { orthanc?: OrthancHandle; node?: RunningNode; configDir?: string } = {};
  afterAll(async () => {
    await ctx.node?.stop();
    await ctx.orthanc?.stop();
    if (ctx.configDir) removeDir(ctx.configDir);
  });
  return ctx;
}

describe('DICOM spine end to end (dicom-dimse-native): storescu → DCMTK listener → node → Orthanc', () => {
  const ctx = orthancAndNode();

  it('adopts what DCMTK wrote and delivers the derived series', async () => {
    const orthanc = (ctx.orthanc = await startOrthanc());
    const port = await freePort();
    const configDir = (ctx.configDir = writeTestConfig({ port, transport: 'dicom-dimse-native', allowAnyCaller: true, pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort } }));
    const node = (ctx.node = await startTestNode(configDir));
    await sendSeriesAndCheck(node, orthanc, port, configDir);
    const inbox = join(node.spool.inboxDir, 'main');
    const left = readdirSync(inbox, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(left, 'inbox emptied after adoption').toEqual([]);
  });
});

describe('derived series routed back by the PACS, and several windows per series', () => {
  const ctx = orthancAndNode();

  it('makes one derived series per window and never processes its own output again', async () => {
    const orthanc = (ctx.orthanc = await startOrthanc());
    const port = await freePort();
    const configDir = (ctx.configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', ctWindows: ['soft-tissue', 'bone'], pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort } }));
    const node = (ctx.node = await startTestNode(configDir));
    const file = join(SAMPLES, 'ct-small', 'CT_small.dcm');
    expect((await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [file])).rc).toBe(0);
    await waitForIdle(node);
    const source = readPart10(readFileSync(file)).dataset;
    const derived = listDerivedSeriesBySource(node.db, String(source.SeriesInstanceUID));
    expect(derived.map((d) => d.seriesNumber).sort()).toEqual([1001, 2001]);
    expect(new Set(derived.map((d) => d.seriesUid)).size).toBe(2);

    // The PACS auto-routes everything it receives back to the node (the classic loop).
    await orthanc.addModality('node', 'UNIMIE', '127.0.0.1', port);
    const back = await orthanc.post<{ InstancesCount: number; FailedInstancesCount: number }>('/modalities/node/store', {
      Resources: await orthanc.get<string[]>('/instances'),
      Synchronous: true,
    });
    expect(back.FailedInstancesCount).toBe(0);
    await waitForIdle(node);
    const statuses = node.db
      .prepare('SELECT status, COUNT(*) AS n FROM instances GROUP BY status ORDER BY status')
      .all() as Array<{ status: string; n: number }>;
    expect(statuses).toEqual([
      { status: 'own_output', n: 2 },
      { status: 'stored', n: 1 },
    ]);
    const jobs = node.db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number };
    expect(jobs.n).toBe(1);
  });
});

/**
 * What ran, read back from the PACS: one CT slice enhanced with two presets of the shipped model,
 * `strong` measured above the bar with this model's hash and `weak` below it (a contribution
 * record written for the test). Orthanc's copies must say UniMIE for the first only, and name the
 * sampler and every classical step the provenance row recorded, in Series Description,
 * Derivation Description and Derivation Code Sequence.
 */
describe('the derived series in the PACS says what ran (storescu → node → Orthanc, REST read-back)', () => {
  const ctx = orthancAndNode();

  it('calls UniMIE only the preset whose measured network contribution clears the bar, and names every step', async () => {
    const orthanc = (ctx.orthanc = await startOrthanc());
    const port = await freePort();
    const { manifest } = await loadManifest(EMBEDDED_MANIFEST);
    const kind = (contributionDb: number) => ({ cases: 24, contributionDb, contributionSsim: contributionDb / 100, agreementDb: 30 });
    const measured = (meetsBar: boolean, db: number) => ({ model: { id: 'embedded', sha256: manifest.sha256 }, noisy: kind(db), all: kind(db), perKind: {}, meetsBar });
    const record: ContributionRecord = {
      createdAt: '2025-06-01T10:00:00.000Z',
      commit: 'e2e0000000000000',
      set: 'heldout',
      barDb: 1,
      presets: { strong: measured(true, 1.5), weak: measured(false, 0.2) },
    };
    const rule = (name: string) =>
      `  - name: ${name}\n    match: { modality: CT }\n    completion: { scope: series, quietSeconds: 0.5 }\n` +
      `    actions: { windows: [soft-tissue], enhance: ${name}, output: sc-rgb, destinations: [pacs] }\n    continue: true\n`;
    const configDir = (ctx.configDir = writeTestConfig({
      port,
      transport: 'dcmjs-dimse',
      pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort },
      contributionRecord: './contribution.json',
      presetYaml: '  strong: { model: embedded, steps: 4, seed: 7 }\n  weak: { model: embedded, steps: 4, seed: 7 }',
      rulesYaml: `rules:\n${rule('strong')}${rule('weak')}  - name: default\n    default: true\n    actions: { drop: true }\n`,
    }));
    writeFileSync(join(configDir, 'contribution.json'), JSON.stringify(record));
    const node = (ctx.node = await startTestNode(configDir));
    const file = join(SAMPLES, 'ct-small', 'CT_small.dcm');
    expect((await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [file])).rc).toBe(0);
    await waitForIdle(node, 300_000);

    const source = readPart10(readFileSync(file)).dataset;
    const derived = listDerivedSeriesBySource(node.db, String(source.SeriesInstanceUID));
    expect(derived).toHaveLength(2);
    const codes = (ds: Dataset) => ((ds.DerivationCodeSequence as Dataset[] | undefined) ?? []).map((c) => `${String(c.CodingSchemeDesignator)}:${String(c.CodeValue)}`);
    const sha16 = manifest.sha256.slice(0, 16);
    for (const d of derived) {
      const row = derivationsOfSeries(node.db, d.seriesUid)[0]!;
      const ran = whatRanOf(row)!;
      expect(ran, 'provenance row says what ran').toBeDefined();
      const [instance] = await seriesFromOrthanc(orthanc, d.seriesUid);
      expect(instance, `derived series ${d.seriesUid} in Orthanc`).toBeDefined();
      const ds = instance!.dataset;
      const series = String(ds.SeriesDescription);
      const text = String(ds.DerivationDescription);
      const sampler = `${ran.networkEvaluationsPerPatch} network evaluation${ran.networkEvaluationsPerPatch === 1 ? '' : 's'} per patch from timestep ${ran.startTimestep}`;
      expect(text).toContain(`model embedded ${manifest.version} sha256:${sha16}, ${sampler}`);
      expect(text).toContain(`patch ${ran.patchSize} stride ${ran.stride} (${ran.patchesPerImage} patch`);
      expect(text).toMatch(/Not for primary diagnosis\.$/);
      const stepCodes = (ran.classicalSteps as ClassicalStepName[]).map((step) => `${CLASSICAL_STEP_CODES[step].scheme}:${CLASSICAL_STEP_CODES[step].value}`);
      if (row.preset === 'strong') {
        expect(ran.namedUnimie).toBe(true);
        expect(series).toMatch(new RegExp(`UniMIE (embedded )?${ran.networkEvaluationsPerPatch} NFE - soft-tissue - NOT FOR PRIMARY DIAGNOSIS$`));
        expect(text).toContain('UniMIE diffusion enhancement: ');
        expect(text).toContain('Measured on the heldout set (commit e2e000000000, 2025-06-01');
        expect(text).toContain('+1.50 dB PSNR');
        expect(codes(ds)).toEqual(['DCM:113087', '99UNIMIE:UNIMIE-PRIOR', ...stepCodes]);
      } else {
        expect(row.preset).toBe('weak');
        expect(ran.namedUnimie).toBe(false);
        expect(series).toMatch(/\b(classical|unvalidated)\)? - soft-tissue - NOT FOR PRIMARY DIAGNOSIS$/);
        expect(series).not.toMatch(/UniMIE|diffusion/i);
        expect(text).toContain('Classical enhancement, not UniMIE (network measured +0.20 dB over its network-free twin on noisy kinds, below the 1 dB bar)');
        expect(text).toContain(`Sampler also run: model embedded`);
        expect(codes(ds)).toEqual(stepCodes);
      }
      const contributed = (ds.ContributingEquipmentSequence as Dataset[]).at(-1)!;
      expect(String(contributed.ContributionDescription)).toMatch(row.preset === 'strong' ? /^UniMIE diffusion enhancement/ : /^Classical enhancement/);
      const path = join(configDir, `${row.preset}.dcm`);
      writeFileSync(path, instance!.bytes);
      const v = await runTool('dciodvfy', [path]);
      expect(v.output.split('\n').filter((l) => l.startsWith('Error')), v.output).toEqual([]);
    }
  });
});
