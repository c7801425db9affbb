import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/shared/log.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { createDimseScuTransport } from '../../src/export/transports/dimse-scu.js';
import { createDicomwebTransport } from '../../src/export/transports/dicomweb.js';
import { createFolderTransport } from '../../src/export/transports/folder.js';
import { startStoreScp } from '../helpers/dcmtk.js';
import { startOrthanc } from '../helpers/orthanc.js';
import { freePort } from '../helpers/ports.js';
import { describeTransportConformance } from './transport-conformance.js';

const backoff = { initialMs: 10, maxMs: 100 };

function findFile(dir: string, predicate: (name: string) => boolean): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(entry.parentPath ?? dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(p, predicate);
      if (found) return found;
    } else if (predicate(entry.name)) return p;
  }
  return undefined;
}

describeTransportConformance('folder', async () => {
  const work = mkdtempSync(join(tmpdir(), 'folder-transport-'));
  writeFileSync(join(work, 'a-file'), 'not a folder');
  return {
    transport: createFolderTransport(),
    destination: { name: 'out', kind: 'folder', path: join(work, 'out'), maxAttempts: 3, backoff },
    unreachable: { name: 'gone', kind: 'folder', path: join(work, 'a-file', 'out'), maxAttempts: 3, backoff },
    delivered: (uid) => {
      const p = findFile(join(work, 'out'), (n) => n === `${uid}.dcm`);
      return p ? readFileSync(p) : undefined;
    },
    teardown: async () => rmSync(work, { recursive: true, force: true }),
  };
});

describeTransportConformance('dimse-scu (dcmjs-dimse) → DCMTK storescp', async () => {
  const work = mkdtempSync(join(tmpdir(), 'dimse-transport-'));
  // +xa: every transfer syntax; +B: the data set is written exactly as received.
  const scp = await startStoreScp({ dir: join(work, 'in'), aeTitle: 'PACS', extraArgs: ['+xa', '+B'] });
  const deadPort = await freePort();
  const dest = { kind: 'dimse' as const, aeTitle: 'PACS', host: '127.0.0.1', callingAeTitle: 'NODE', timeoutMs: 5000, maxAttempts: 3, backoff };
  return {
    transport: createDimseScuTransport(createDcmjsScu({ log: silentLogger })),
    destination: { ...dest, name: 'pacs', port: scp.port },
    unreachable: { ...dest, name: 'down', port: deadPort },
    delivered: (uid) => {
      const p = findFile(scp.dir, (n) => n.endsWith(`.${uid}`));
      return p ? readFileSync(p) : undefined;
    },
    teardown: async () => {
      await scp.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
});

describeTransportConformance('dicomweb (STOW-RS) → Orthanc DICOMweb plugin', async () => {
  const orthanc = await startOrthanc({ dicomWeb: true });
  const common = { kind: 'dicomweb' as const, timeoutMs: 10_000, maxInstancesPerRequest: 50, maxAttempts: 3, backoff };
  return {
    transport: createDicomwebTransport(),
    destination: { ...common, name: 'web', url: orthanc.dicomWebUrl!, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } },
    unreachable: { ...common, name: 'gone', url: `http://127.0.0.1:${await freePort()}/dicom-web` },
    delivered: async (uid) => {
      const found = await orthanc.post<Array<{ ID: string; Type: string }>>('/tools/lookup', uid);
      const id = found.find((f) => f.Type === 'Instance')?.ID;
      return id ? orthanc.getBytes(`/instances/${id}/file`) : undefined;
    },
    teardown: () => orthanc.stop(),
  };
});
