import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './dcmtk.js';

/**
 * A throw-away CA (`<ca>.crt/.key`) with server and client certificates signed by it (SAN 127.0.0.1),
 * made with the openssl CLI in `dir`: `<ca>-server.crt/.key`, `<ca>-client.crt/.key`.
 */
export async function makeCertificates(dir: string, ca = 'ca'): Promise<void> {
  const ssl = async (...args: string[]) => {
    const r = await runTool('openssl', args);
    if (r.rc !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.output}`);
  };
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${ca}`, '-keyout', join(dir, `${ca}.key`), '-out', join(dir, `${ca}.crt`));
  for (const name of ['server', 'client']) {
    const base = join(dir, `${ca}-${name}`);
    await ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${base}.key`, '-out', `${base}.csr`);
    await ssl('x509', '-req', '-in', `${base}.csr`, '-CA', join(dir, `${ca}.crt`), '-CAkey', join(dir, `${ca}.key`), '-CAcreateserial', '-days', '2', '-extfile', join(dir, 'san.ext'), '-out', `${base}.crt`);
  }
}
