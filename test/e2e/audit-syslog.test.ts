import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../../src/access/accounts.js';
import type { RunningNode } from '../../src/app/node.js';
import { unforwardedAudit } from '../../src/audit/audit-log.js';
import { validateAuditMessage } from '../helpers/audit-schema.js';
import { echoscu, startStoreScp, storescu, type StoreScp } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { startSyslogReceiver, type SyslogReceiver } from '../helpers/syslog-receiver.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { removeDir, SAMPLES, startTestNode, writeTestConfig } from './node-harness.js';

/** CT is forwarded untouched to the DCMTK storescp playing the PACS (an export to audit); the rest is dropped. */
const RULES = `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 0.5 }
    actions: { forward: [pacs] }
  - name: default
    default: true
    actions: { drop: true }
`;

/** What a test needs of one received audit message. */
interface Received {
  eventId: string;
  eventType?: string;
  userIds: string[];
  objectIds: string[];
  xml: string;
}

const read = (r: SyslogReceiver): Received[] =>
  r.messages.map((m) => ({
    eventId: /<EventID csd-code="(\d+)"/.exec(m.msg)![1]!,
    ...(/<EventTypeCode csd-code="(\d+)"/.exec(m.msg) ? { eventType: /<EventTypeCode csd-code="(\d+)"/.exec(m.msg)![1]! } : {}),
    userIds: [...m.msg.matchAll(/<ActiveParticipant UserID="([^"]*)"/g)].map((x) => x[1]!),
    objectIds: [...m.msg.matchAll(/ParticipantObjectID="([^"]*)"/g)].map((x) => x[1]!),
    xml: m.msg,
  }));

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('audit trail to a syslog collector (RFC 5425 TLS, RFC 5426 UDP) as DICOM audit messages', () => {
  let configDir: string;
  let node: RunningNode;
  let tlsRx: SyslogReceiver;
  const receivers: SyslogReceiver[] = [];
  let dicomPort: number;
  let token: string;
  let studyUid: string;
  let serverPem: { cert: string; key: string; clientCa: string };
  let pacs: StoreScp;

  const view = (uid: string) => fetch(`http://127.0.0.1:${node.api!.port}/api/studies/${uid}`, { headers: { authorization: `Bearer ${token}` } });
  const auditRows = () => (node.db.prepare('SELECT COUNT(*) AS n FROM audit_events').get() as { n: number }).n;

  beforeAll(async () => {
    dicomPort = await freePort();
    const pacsPort = await freePort();
    configDir = writeTestConfig({ port: dicomPort, transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: pacsPort }, rulesYaml: RULES });
    pacs = await startStoreScp({ dir: join(configDir, 'pacs'), aeTitle: 'PACS', port: pacsPort });
    await makeCertificates(configDir, 'audit-ca');
    // The collector requires the node's client certificate (mutual TLS, as IHE ATNA's secure node).
    serverPem = {
      cert: readFileSync(join(configDir, 'audit-ca-server.crt'), 'utf8'),
      key: readFileSync(join(configDir, 'audit-ca-server.key'), 'utf8'),
      clientCa: readFileSync(join(configDir, 'audit-ca.crt'), 'utf8'),
    };
    tlsRx = await startSyslogReceiver('tls', serverPem);
    receivers.push(tlsRx);
    const yamlPath = join(configDir, 'node.yaml');
    const yaml = readFileSync(yamlPath, 'utf8');
    expect(yaml).toMatch(/\napi:\n {2}port: 0\n/);
    writeFileSync(
      yamlPath,
      yaml.replace(/\napi:\n {2}port: 0\n/, '\napi:\n  port: 0\n  auth: {}\n') +
        `audit:\n  syslog: { host: 127.0.0.1, port: ${tlsRx.port}, protocol: tls, ca: audit-ca.crt, cert: audit-ca-client.crt, key: audit-ca-client.key }\n`,
    );
    node = await startTestNode(configDir);
    await addUser(node.db, { name: 'dr.ana', role: 'viewer' }, Date.now());
    token = createApiToken(node.db, { user: 'dr.ana', label: 'test' }, Date.now()).token;
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    await pacs?.stop();
    await Promise.all(receivers.map((r) => r.close().catch(() => undefined)));
    if (configDir) removeDir(configDir);
  });

  it('a stored study (110104 from STORESCU), its export to the PACS (110104, action R), its view by the user (110103) and a refused caller (110113/110126) arrive over mutual TLS and validate against the PS3.15 schema', async () => {
    const stored = await storescu({ callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE', port: dicomPort }, [join(SAMPLES, 'ct-small/CT_small.dcm')]);
    expect(stored.rc).toBe(0);
    studyUid = (node.db.prepare('SELECT study_uid AS uid FROM instances LIMIT 1').get() as { uid: string }).uid;
    expect((await view(studyUid)).status).toBe(200);
    expect((await echoscu({ callingAeTitle: 'INTRUDER', calledAeTitle: 'UNIMIE', port: dicomPort })).rc).not.toBe(0);

    const transfer = await until('110104', () => read(tlsRx).find((m) => m.eventId === '110104'));
    expect(transfer.userIds).toEqual(['STORESCU', 'UNIMIE']);
    expect(transfer.objectIds).toEqual([studyUid]);
    const access = await until('110103', () => read(tlsRx).find((m) => m.eventId === '110103'));
    expect(access.userIds).toEqual(['dr.ana', 'UNIMIE']);
    expect(access.objectIds).toEqual([studyUid]);
    const exported = await until('110104 export', () => read(tlsRx).find((m) => m.eventId === '110104' && m.xml.includes('EventActionCode="R"')));
    expect(exported.userIds).toEqual(['UNIMIE', 'pacs']);
    expect(exported.objectIds).toEqual([studyUid]);
    const refused = await until('110113', () => read(tlsRx).find((m) => m.eventId === '110113' && m.eventType === '110126'));
    expect(refused.userIds[0]).toBe('INTRUDER');
    expect(refused.xml).toContain('EventOutcomeIndicator="4"');

    for (const m of read(tlsRx)) expect(validateAuditMessage(m.xml).valid).toBe(true);
    expect(tlsRx.problems).toEqual([]);
  }, 90_000);

  it('events made while the collector is down wait in the database and all arrive, once each, after it is back', async () => {
    await until('all sent', () => unforwardedAudit(node.db, 10).length === 0);
    const before = tlsRx.messages.length;
    await tlsRx.close();
    await new Promise((r) => setTimeout(r, 300));

    expect((await view(studyUid)).status).toBe(200);
    expect((await view(studyUid)).status).toBe(200);
    expect((await storescu({ callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE', port: dicomPort }, [join(SAMPLES, 'mr-small/MR_small.dcm')])).rc).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = unforwardedAudit(node.db, 100);
    expect(waiting.map((e) => e.eventId)).toEqual(['110103', '110103', '110104']);

    const back = await startSyslogReceiver('tls', { ...serverPem, port: tlsRx.port });
    receivers.push(back);
    await until('reconnect', () => back.messages.length >= 3, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(read(back).map((m) => m.eventId)).toEqual(['110103', '110103', '110104']);
    expect(before + back.messages.length).toBe(auditRows());
    expect(unforwardedAudit(node.db, 10)).toEqual([]);
    for (const m of read(back)) expect(validateAuditMessage(m.xml).valid).toBe(true);
  }, 90_000);

  it('a reload switching to UDP sends there from the next batch, the reload itself audited (110113/110131)', async () => {
    const udp = await startSyslogReceiver('udp');
    receivers.push(udp);
    const yamlPath = join(configDir, 'node.yaml');
    writeFileSync(yamlPath, readFileSync(yamlPath, 'utf8').replace(/\naudit:\n.*\n$/, `\naudit:\n  syslog: { host: 127.0.0.1, port: ${udp.port}, protocol: udp, facility: 13 }\n`));
    const reload = await node.reload();
    expect(reload).toMatchObject({ ok: true });
    expect((await view(studyUid)).status).toBe(200);
    const got = await until('udp', () => udp.messages.length >= 2 && read(udp));
    expect(got.map((m) => [m.eventId, m.eventType])).toEqual([
      ['110113', '110131'],
      ['110103', undefined],
    ]);
    expect(udp.messages.map((m) => m.pri)).toEqual([13 * 8 + 5, 13 * 8 + 5]);
    for (const m of got) expect(validateAuditMessage(m.xml).valid).toBe(true);
  }, 60_000);
});
