import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { silentLogger } from '../../src/shared/log.js';
import { PYDICOM_FILES, uidsOf, pydicomFile } from '../receive/receive-fixtures.js';
import { storescu } from './dcmtk.js';
import { startDcmqrscp, type Dcmqrscp } from './dcmqrscp.js';

const CT = join(PYDICOM_FILES, 'CT_small.dcm');
const u = uidsOf(pydicomFile('CT_small.dcm'));

/** Holds dcmqrscp's index lock (flock, as its children take it) until `release()`. */
async function holdIndexLock(indexFile: string): Promise<{ release(): Promise<void> }> {
  const py = spawn('/usr/bin/python3', ['-c', `import fcntl,sys\nf=open(${JSON.stringify(indexFile)},'r+')\nfcntl.flock(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\nsys.stdin.readline()`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => py.stdout.once('data', () => resolve()));
  return {
    release: () =>
      new Promise<void>((resolve) => {
        py.once('exit', () => resolve());
        py.stdin.end('\n');
      }),
  };
}

/**
 * The PACS the crash torture delivers to, and what its log tells: every C-STORE with what became
 * of it. dcmqrscp keeps one file per SOP Instance UID (a re-send replaces it, so files cannot
 * count re-sends), and it deletes an object it had stored when the response cannot be sent
 * because the caller is gone (dcmqrsrv.cc storeSCP): such an object is not held and must be sent
 * again — which a node's "in doubt" C-FIND after a crash finds out.
 */
describe('DCMTK dcmqrscp test peer (forking)', () => {
  const work = mkdtempSync(join(tmpdir(), 'dcmqrscp-'));
  let pacs: Dcmqrscp;
  const scu = createDcmjsScu({ log: silentLogger });
  const holds = () => scu.holds!({ aeTitle: pacs.aeTitle, host: '127.0.0.1', port: pacs.port, callingAeTitle: 'STORESCU' }, [{ studyInstanceUid: u.study, seriesInstanceUid: u.series, sopInstanceUid: u.sop }]);
  const files = () => readdirSync(pacs.dir).filter((f) => f.endsWith('.dcm'));
  const send = () => storescu({ port: pacs.port, callingAeTitle: 'STORESCU', calledAeTitle: pacs.aeTitle }, [CT]);

  beforeAll(async () => {
    pacs = await startDcmqrscp({ dir: join(work, 'pacs'), peers: [{ aeTitle: 'STORESCU' }] });
  });
  afterAll(async () => {
    await pacs?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('stores and answers C-FIND at IMAGE level; a re-send is logged twice but leaves one file', async () => {
    expect((await send()).rc).toBe(0);
    expect((await send()).rc).toBe(0);
    expect(pacs.storeRequests().map((r) => [r.sopInstanceUid, r.outcome])).toEqual([
      [u.sop, 'kept'],
      [u.sop, 'kept'],
    ]);
    expect(files()).toHaveLength(1);
    expect([...(await holds())]).toEqual([u.sop]);
  });

  it('refuses a caller that is not in its peer list', async () => {
    const r = await storescu({ port: pacs.port, callingAeTitle: 'STRANGER', calledAeTitle: pacs.aeTitle }, [CT]);
    expect(r.rc).not.toBe(0);
  });

  it('deletes an object it stored when the response cannot reach the caller — and the copy it held before: logged as rolled back, not held', async () => {
    expect(files()).toHaveLength(1);
    const lock = await holdIndexLock(join(pacs.dir, 'index.dat'));
    const sender = spawn('storescu', ['-aet', 'STORESCU', '-aec', pacs.aeTitle, '127.0.0.1', String(pacs.port), CT], { stdio: 'ignore' });
    // The data set arrives; the child waits for the index lock before it answers. The caller dies.
    await new Promise((r) => setTimeout(r, 1000));
    sender.kill('SIGKILL');
    await new Promise((r) => sender.once('exit', r));
    await lock.release();
    const deadline = Date.now() + 10_000;
    // dcmqrscp logs the rollback before it unlinks the file: wait for both.
    const rolledBack = () => pacs.storeRequests().at(-1)?.outcome === 'rolled back' && files().length === 0;
    while (!rolledBack() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(pacs.storeRequests().at(-1)).toMatchObject({ sopInstanceUid: u.sop, outcome: 'rolled back' });
    expect(files()).toEqual([]);
    expect(await holds()).toEqual(new Set());
  });
});
