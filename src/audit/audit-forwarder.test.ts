import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateAuditMessage } from '../../test/helpers/audit-schema.js';
import { useTempDb } from '../../test/helpers/provenance-db.js';
import { startSyslogReceiver, type SyslogReceiver } from '../../test/helpers/syslog-receiver.js';
import { makeCertificates } from '../../test/helpers/tls-certs.js';
import { silentLogger } from '../shared/log.js';
import type { AuditEvent } from './audit-event.js';
import { AuditForwarder, type AuditForwarderSettings } from './audit-forwarder.js';
import { recordAudit, unforwardedAudit } from './audit-log.js';

const SOURCE = { aeTitle: 'NODE', host: 'node-host', processId: 77 };
const view = (study: string, at = Date.now()): AuditEvent => ({
  at,
  eventId: '110103',
  action: 'R',
  outcome: 0,
  actor: { name: 'dr.ana', kind: 'user', host: '127.0.0.1' },
  studyUid: study,
  objects: [{ kind: 'study', id: study }],
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const studiesOf = (r: SyslogReceiver) => r.messages.map((m) => /ParticipantObjectID="([^"]+)"/.exec(m.msg)?.[1]);

describe('AuditForwarder: the audit trail to a syslog collector', () => {
  const db = useTempDb('audit-forwarder');
  let certDir: string;
  const receivers: SyslogReceiver[] = [];
  let forwarder: AuditForwarder | undefined;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'audit-certs-'));
    await makeCertificates(certDir);
  });
  afterAll(() => rmSync(certDir, { recursive: true, force: true }));
  afterEach(async () => {
    await forwarder?.stop();
    forwarder = undefined;
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  const start = (settings: AuditForwarderSettings | undefined) => {
    forwarder = new AuditForwarder({ db: db(), settings: () => settings, source: () => SOURCE, log: silentLogger, pollMs: 30, maxBackoffMs: 100 });
    forwarder.start();
  };
  const receiver = async (protocol: 'tls' | 'tcp' | 'udp', port?: number) => {
    const r = await startSyslogReceiver(protocol, {
      ...(port ? { port } : {}),
      cert: readFileSync(join(certDir, 'ca-server.crt'), 'utf8'),
      key: readFileSync(join(certDir, 'ca-server.key'), 'utf8'),
    });
    receivers.push(r);
    return r;
  };

  it('TLS: every event arrives in order as a valid DICOM audit message; a collector that dies gets the rest after it is back, none lost, none twice', async () => {
    const rx = await receiver('tls');
    for (const s of ['1.1', '1.2', '1.3']) recordAudit(db(), view(s));
    const settings: AuditForwarderSettings = { host: '127.0.0.1', port: rx.port, protocol: 'tls', facility: 10, appName: 'pacs-node', tls: { ca: readFileSync(join(certDir, 'ca.crt'), 'utf8') } };
    start(settings);
    await until(() => rx.messages.length === 3);
    expect(studiesOf(rx)).toEqual(['1.1', '1.2', '1.3']);
    for (const m of rx.messages) {
      expect([m.pri, m.version, m.appName, m.procId, m.msgId, m.structuredData, m.bom]).toEqual([85, 1, 'pacs-node', '77', 'IHE+RFC-3881', '-', true]);
      expect(validateAuditMessage(m.msg).valid).toBe(true);
    }
    await until(() => unforwardedAudit(db(), 10).length === 0);

    await rx.close();
    await new Promise((r) => setTimeout(r, 100));
    for (const s of ['2.1', '2.2']) recordAudit(db(), view(s));
    await new Promise((r) => setTimeout(r, 400));
    expect(unforwardedAudit(db(), 10).map((r) => r.studyUid)).toEqual(['2.1', '2.2']);

    const back = await receiver('tls', rx.port);
    await until(() => back.messages.length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(studiesOf(back)).toEqual(['2.1', '2.2']);
    expect(unforwardedAudit(db(), 10)).toEqual([]);
    expect([...rx.problems, ...back.problems]).toEqual([]);
  });

  it('TLS: a collector whose certificate the configured CA did not sign gets nothing; the events stay unforwarded', async () => {
    const other = mkdtempSync(join(tmpdir(), 'audit-other-ca-'));
    try {
      await makeCertificates(other, 'other');
      const rx = await receiver('tls');
      recordAudit(db(), view('3.1'));
      start({ host: '127.0.0.1', port: rx.port, protocol: 'tls', facility: 10, appName: 'pacs-node', tls: { ca: readFileSync(join(other, 'other.crt'), 'utf8') } });
      await new Promise((r) => setTimeout(r, 500));
      expect(rx.messages).toEqual([]);
      expect(unforwardedAudit(db(), 10)).toHaveLength(1);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('TCP (octet counting) and UDP (one message per datagram), severity warning for a failure', async () => {
    for (const protocol of ['tcp', 'udp'] as const) {
      const rx = await receiver(protocol);
      recordAudit(db(), view(`4.${protocol}`));
      recordAudit(db(), { ...view(`5.${protocol}`), outcome: 4 });
      start({ host: '127.0.0.1', port: rx.port, protocol, facility: 13, appName: 'pacs-node' });
      await until(() => rx.messages.length === 2);
      expect(studiesOf(rx)).toEqual([`4.${protocol}`, `5.${protocol}`]);
      expect(rx.messages.map((m) => m.pri)).toEqual([13 * 8 + 5, 13 * 8 + 4]);
      await forwarder!.stop();
    }
  });

  it('without audit.syslog nothing is sent and nothing is marked', async () => {
    recordAudit(db(), view('6.1'));
    start(undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(unforwardedAudit(db(), 10)).toHaveLength(1);
  });
});
