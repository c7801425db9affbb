import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTool } from '../helpers/dcmtk.js';
import { readPart10, writePart10 } from '../../src/dicom/part10.js';
import { unexplained } from '../derive/enhanced-dicom3tools.js';
import { enhancedSource } from '../derive/enhanced-fixture.js';
import { REPO, removeDir, writeTestConfig } from '../e2e/node-harness.js';

/** `unimie-node enhance --output derived-grayscale` of an Enhanced MR file: one Enhanced MR object with every frame. */
describe('enhance CLI on an Enhanced MR source', () => {
  const work = mkdtempSync(join(tmpdir(), 'cli-enhanced-'));
  const configDir = writeTestConfig({ port: 1, transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: 2 } });
  afterAll(() => {
    removeDir(work);
    removeDir(configDir);
  });

  it('writes one derived Enhanced MR object, valid for dciodvfy', async () => {
    const source = enhancedSource('MR', { frames: 3, rows: 16, columns: 16, seed: 91 });
    const input = join(work, 'emr.dcm');
    writeFileSync(input, writePart10(source));
    const out = join(work, 'out');
    const r = await new Promise<{ rc: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'enhance', input, '-o', out, '--preset', 'fast', '--window', 'file', '--output', 'derived-grayscale'],
        { cwd: REPO, encoding: 'utf8', timeout: 120_000 },
        (err, stdout, stderr) => resolve({ rc: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
      ),
    );
    expect(r.rc, r.out).toBe(0);
    const file = join(out, 'emr.enhanced.dcm');
    const ds = readPart10(readFileSync(file)).dataset;
    expect([ds.SOPClassUID, ds.NumberOfFrames]).toEqual([source.SOPClassUID, 3]);
    expect(ds.ImageType).toEqual(['DERIVED', 'PRIMARY', 'VOLUME', 'ENHANCED']);
    const v = await runTool('dciodvfy', [file]);
    expect(unexplained(v.output, 'EnhancedMRImage')).toEqual([]);
  }, 120_000);
});
