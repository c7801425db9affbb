import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { listDerivedSeriesBySource } from '../../src/provenance/derived-series.js';
import { removeDir, startTestNode, waitForIdle, writeTestConfig } from '../e2e/node-harness.js';
import { storescu } from '../helpers/dcmtk.js';
import { startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

/**
 * Character sets through receive → derive → export. Sources: CT images carrying the patient
 * names of pydicom's charset files in their own Specific Character Set (Latin-1, Greek, Arabic,
 * Hebrew, Cyrillic, GB18030, UTF-8, and the ISO 2022 code extensions for Japanese and Korean).
 * The node sends its derived Secondary Capture to Orthanc; pydicom — not this project's code —
 * reads source and derived objects, and the decoded Patient's Name must be identical. A source in
 * a single-byte set (ISO 8859 parts) keeps its Specific Character Set and its bytes; sources in
 * sets this node cannot encode (ISO 2022 code extensions, GB18030) are re-encoded losslessly as
 * UTF-8 and declare ISO_IR 192.
 */
const SINGLE_BYTE_SETS = new Set(['ISO_IR 100', 'ISO_IR 101', 'ISO_IR 109', 'ISO_IR 110', 'ISO_IR 126', 'ISO_IR 127', 'ISO_IR 138', 'ISO_IR 144', 'ISO_IR 148', 'ISO_IR 203', 'ISO_IR 166']);
const HERE = new URL('.', import.meta.url).pathname;
const CHARSET_FILES = pydicomData('charset_files');

interface Source {
  name: string;
  file: string;
  charset: string[];
  rawHex: string;
  decoded: string;
}

/** pydicom's view of a file: Specific Character Set, Patient's Name decoded and as raw bytes. */
function pydicomNames(files: string[]): Array<{ charset: string[]; decoded: string; rawHex: string; patientId: string }> {
  const script = [
    'import sys, json, warnings, pydicom',
    'warnings.simplefilter("ignore")',
    'for f in sys.argv[1:]:',
    '    d = pydicom.dcmread(f)',
    '    cs = d.get("SpecificCharacterSet", "")',
    '    cs = list(cs) if isinstance(cs, pydicom.multival.MultiValue) else [str(cs)]',
    '    raw = pydicom.dcmread(f, defer_size=None).get_item(0x00100010).value',
    '    print(json.dumps({"charset": cs, "decoded": str(d.PatientName), "rawHex": bytes(raw).hex(), "patientId": str(d.PatientID)}, ensure_ascii=False))',
  ].join('\n');
  const out = execFileSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

/** dcmjs' Patient's Name as the DICOM string (groups joined with '='). */
function pnString(value: unknown): string {
  const pn = (Array.isArray(value) ? value[0] : value) as { Alphabetic?: string; Ideographic?: string; Phonetic?: string } | string;
  if (typeof pn === 'string') return pn;
  const groups = [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''];
  while (groups.length > 1 && groups[groups.length - 1] === '') groups.pop();
  return groups.join('=');
}

describe('reading every pydicom charset file: same Patient’s Name as pydicom', () => {
  const files = readdirSync(CHARSET_FILES).filter((f) => f.startsWith('chr') && f.endsWith('.dcm') && !f.startsWith('chrSQ'));
  const refs = pydicomNames(files.map((f) => join(CHARSET_FILES, f)));

  it.each(files.map((f, i) => [f, i] as const))('%s', (f, i) => {
    const file = readPart10(readFileSync(join(CHARSET_FILES, f)));
    // pydicom drops trailing padding spaces of PN; so does the comparison.
    expect(pnString(file.dataset.PatientName).trimEnd()).toBe(refs[i].decoded.trimEnd());
  });
});

describe('Specific Character Set through receive → derive → export (storescu → node → Orthanc)', () => {
  const work = mkdtempSync(join(tmpdir(), 'charset-rt-'));
  let orthanc: OrthancHandle;
  let node: RunningNode;
  let configDir: string;
  let sources: Source[];
  const derived = new Map<string, string>();

  beforeAll(async () => {
    const out = execFileSync('/usr/bin/python3', [join(HERE, 'make_charset_sources.py'), work], { encoding: 'utf8' });
    sources = out.trim().split('\n').map((l) => JSON.parse(l) as Source);
    orthanc = await startOrthanc();
    const port = await freePort();
    configDir = writeTestConfig({ port, transport: 'dcmjs-dimse', pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort } });
    node = await startTestNode(configDir);
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, sources.map((s) => s.file));
    expect(sent.rc, sent.output).toBe(0);
    await waitForIdle(node);
    for (const s of sources) {
      const series = String(readPart10(readFileSync(s.file)).dataset.SeriesInstanceUID);
      const [d] = listDerivedSeriesBySource(node.db, series);
      if (!d) continue;
      const ids = await orthanc.post<string[]>('/tools/find', { Level: 'Instance', Query: { SeriesInstanceUID: d.seriesUid } });
      if (ids.length !== 1) continue;
      const path = join(work, `derived-${s.name}.dcm`);
      writeFileSync(path, await orthanc.getBytes(`/instances/${ids[0]}/file`));
      derived.set(s.name, path);
    }
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    await orthanc?.stop();
    removeDir(configDir);
    rmSync(work, { recursive: true, force: true });
  });

  it('the sources cover single-byte, multi-byte and ISO 2022 code-extension sets', () => {
    const sets = new Set(sources.map((s) => s.charset.join('\\')));
    for (const cs of ['ISO_IR 100', 'ISO_IR 126', 'ISO_IR 127', 'ISO_IR 138', 'ISO_IR 144', 'ISO_IR 192', 'GB18030', '\\ISO 2022 IR 87', 'ISO 2022 IR 13\\ISO 2022 IR 87', '\\ISO 2022 IR 149']) {
      expect(sets.has(cs), cs).toBe(true);
    }
    // ISO 2022 sources really carry escape sequences (ESC $ B, ESC $ ) C).
    expect(sources.find((s) => s.name === 'chrH31')!.rawHex).toContain('1b2442');
    expect(sources.find((s) => s.name === 'chrI2')!.rawHex).toContain('1b242943');
  });

  it('every source produced exactly one derived instance in Orthanc', () => {
    expect([...derived.keys()].sort()).toEqual(sources.map((s) => s.name).sort());
  });

  it('the derived Patient’s Name decodes (pydicom) to the source’s: single-byte sets kept byte for byte, the rest as UTF-8', () => {
    const names = [...derived.keys()];
    const got = pydicomNames(names.map((n) => derived.get(n)!));
    let kept = 0;
    names.forEach((name, i) => {
      const src = sources.find((s) => s.name === name)!;
      expect(got[i].patientId).toBe(`CS-${name}`);
      expect(got[i].decoded, name).toBe(src.decoded);
      if (src.charset.length === 1 && SINGLE_BYTE_SETS.has(src.charset[0]!)) {
        expect(got[i].charset, name).toEqual(src.charset);
        expect(got[i].rawHex.replace(/(20)+$/, ''), name).toBe(src.rawHex.replace(/(20)+$/, ''));
        kept++;
      } else if (src.charset.join('\\') !== 'ISO_IR 192' && src.charset.join('') !== '') {
        expect(got[i].charset, name).toEqual(['ISO_IR 192']);
        expect(Buffer.from(got[i].rawHex, 'hex').toString('utf8').replace(/ +$/, ''), name).toBe(src.decoded);
      }
    });
    expect(kept).toBeGreaterThanOrEqual(5);
  });

  it('dcmdump reads the derived names (DCMTK, with its own character set conversion)', () => {
    const path = derived.get('chrH31')!;
    const out = execFileSync('dcmdump', ['+U8', '+P', '0010,0010', path], { encoding: 'utf8' });
    expect(out).toContain('Yamada^Tarou=山田^太郎=やまだ^たろう');
  });
});
