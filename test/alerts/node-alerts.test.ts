/**
 * Alerts raised by a running node: a dead delivery end to end (storescu → `unimie-node serve` →
 * a DIMSE destination on a closed port, maxAttempts 1) reaches a webhook (after a 500) and an
 * SMTP server with a login, and the node's debug log holds neither secret nor the patient's name;
 * a model that fails to load, low disk space and a listener that cannot start, in process.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/app/node.js';
import { createEngineEnhancer } from '../../src/pipeline/engine-enhancer.js';
import { silentLogger } from '../../src/shared/log.js';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '../helpers/alert-receivers.js';
import { storescu } from '../helpers/dcmtk.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { removeDir } from '../e2e/node-harness.js';
import { exited, serve, until } from '../reliability/node-process.js';
import { pydicomTestFile } from '../helpers/debian-fixtures.js';

const CT = pydicomTestFile('CT_small.dcm');
const PATIENT_NAME = 'CompressedSamples^CT1';
const PATIENT_ID = '1CT1';
const HOOK_TOKEN = 'hook-token-4b7e0c2a91f3';
const SMTP_PASSWORD = 'smtp-pw-0f6d2c8e7a15';

const RULES = `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 0.5 }
    actions: { windows: [soft-tissue], enhance: none, output: sc-rgb, destinations: [gone] }
  - name: default
    default: true
    actions: { drop: true }
`;

describe('a node process with a dead destination', () => {
  let hook: WebhookReceiver;
  let mail: SmtpReceiver;
  let dir: string;
  let child: ChildProcess | undefined;
  let port: number;
  let apiPort: number;
  const logFile = () => join(dir, 'node.log');

  beforeAll(async () => {
    hook = await startWebhookReceiver({ statuses: [500] });
    mail = await startSmtpReceiver({ auth: { user: 'unimie', password: SMTP_PASSWORD } });
    dir = mkdtempSync(join(tmpdir(), 'node-alerts-'));
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'hook'), `Bearer ${HOOK_TOKEN}\n`);
    writeFileSync(join(dir, 'secrets', 'smtp'), `${SMTP_PASSWORD}\n`);
    [port, apiPort] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, 'node.yaml'),
      `node: { aeTitle: ALERTNODE, dataDir: ./var, logLevel: debug }
listeners:
  - { name: main, aeTitle: ALERTNODE, port: ${port}, allow: [{ aeTitle: STORESCU, hosts: [127.0.0.1] }] }
destinations:
  gone: { kind: dimse, aeTitle: GONE, host: 127.0.0.1, port: ${await freePort()}, maxAttempts: 1, timeoutSeconds: 5 }
api: { port: ${apiPort}, token: api-token-0123456789abcdef }
limits: { minFreeDiskMb: 16 }
alerts:
  backoff: { initialSeconds: 0.2, maxSeconds: 1 }
  channels:
    ops:
      kind: webhook
      url: ${hook.url}
      headers:
        Authorization: { file: secrets/hook }
    admins:
      kind: smtp
      host: 127.0.0.1
      port: ${mail.port}
      security: none
      from: unimie@node.test
      to: [pacs-admin@site.test]
      user: unimie
      passwordFile: secrets/smtp
      events: [delivery.dead]
`,
    );
    writeFileSync(join(dir, 'rules.yaml'), RULES);
    child = serve(dir, {}, logFile());
    await waitForPort(port, '127.0.0.1', 60_000);
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await hook?.stop();
    await mail?.stop();
    if (dir) removeDir(dir);
  });

  it('sends the dead-delivery alert to the webhook (retried after a 500) and by mail, and logs no secret', async () => {
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'ALERTNODE' }, [CT]);
    expect(sent.rc, sent.output).toBe(0);
    const alert = await until('delivery.dead at the webhook', () => hook.delivered().find((b) => b.event === 'delivery.dead'), 90_000);
    expect(alert).toMatchObject({ node: 'ALERTNODE', severity: 'error', subject: 'gone', count: 1, details: { destination: 'gone', attempts: 1 } });
    expect(alert.message).toMatch(/^A delivery to destination "gone" is dead after 1 attempt: /);
    expect((alert.details as { jobIds: number[] }).jobIds).toHaveLength(1);
    expect(hook.requests.length).toBeGreaterThanOrEqual(2); // the 500, then the retry
    expect(hook.requests.every((r) => r.headers.authorization === `Bearer ${HOOK_TOKEN}`)).toBe(true);

    const m = await until('alert mail', () => mail.mails.find((x) => x.headers['x-unimie-alert'] === 'delivery.dead'), 30_000);
    expect(m.user).toBe('unimie');
    expect(m.headers.subject).toMatch(/^\[ALERTNODE\] ERROR delivery\.dead: /);

    // The API shows the channels without their secrets.
    const config = await (await fetch(`http://127.0.0.1:${apiPort}/api/config`, { headers: { authorization: 'Bearer api-token-0123456789abcdef' } })).text();
    expect(config).toContain('"ops"');
    expect(config).not.toContain(HOOK_TOKEN);
    expect(config).not.toContain(SMTP_PASSWORD);

    const metrics = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`, { headers: { authorization: 'Bearer api-token-0123456789abcdef' } })).text();
    expect(metrics).toMatch(/unimie_alerts_total\{channel="ops",outcome="retry"\} 1/);
    expect(metrics).toMatch(/unimie_alerts_total\{channel="ops",outcome="sent"\} 1/);

    child!.kill('SIGTERM');
    await exited(child!);
    const logs = readFileSync(logFile(), 'utf8');
    expect(logs).toMatch(/"msg":"alert sent"/);
    expect(logs).toMatch(/"msg":"alert not sent, will retry"/);
    for (const secret of [HOOK_TOKEN, SMTP_PASSWORD, PATIENT_NAME, PATIENT_ID, 'CompressedSamples', '/alerts/7f3e9d']) {
      expect(logs.includes(secret), `log contains ${secret}`).toBe(false);
    }
    for (const body of [...hook.requests.map((r) => r.body), ...mail.mails.map((x) => x.text)]) {
      expect(body).not.toContain('CompressedSamples');
      expect(body).not.toContain(PATIENT_ID);
    }
  }, 150_000);
});

describe('alerts a node raises at start', () => {
  let hook: WebhookReceiver;
  let blocker: Server;
  let dir: string;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'node-alerts-start-'));
    writeFileSync(
      join(dir, 'node.yaml'),
      `node: { aeTitle: ALERTNODE, dataDir: ./var }
listeners:
  - { name: main, aeTitle: ALERTNODE, port: ${busyPort}, allow: [{ aeTitle: STORESCU }] }
models:
  missing: { manifest: ./no-such-model/manifest.yaml }
presets:
  broken: { model: missing }
limits: { minFreeDiskMb: 1000000000 }
alerts:
  channels:
    ops: { kind: webhook, url: '${hook.url}' }
`,
    );
    writeFileSync(join(dir, 'rules.yaml'), 'rules:\n  - name: default\n    default: true\n    actions: { drop: true }\n');
  });

  afterAll(async () => {
    await hook?.stop();
    await new Promise((resolve) => blocker?.close(resolve));
    if (dir) removeDir(dir);
  });

  it('a model that failed to load, low disk space, and a listener that cannot bind (sent before startNode gives up)', async () => {
    await expect(startNode({ configDir: dir, log: silentLogger, createEnhancer: createEngineEnhancer, api: false })).rejects.toThrow(/EADDRINUSE/);
    const byEvent = new Map(hook.delivered().map((b) => [b.event, b]));
    expect([...byEvent.keys()].sort()).toEqual(['disk.low', 'listener.down', 'model.failed']);
    expect(byEvent.get('model.failed')).toMatchObject({ severity: 'error', subject: 'missing' });
    expect(byEvent.get('model.failed')!.message).toMatch(/^Enhancement model "missing" failed to load; the presets that use it are disabled: .*no-such-model/);
    expect(byEvent.get('disk.low')).toMatchObject({ severity: 'critical', subject: 'data volume' });
    expect(byEvent.get('listener.down')).toMatchObject({ severity: 'critical', subject: 'main' });
    expect(byEvent.get('listener.down')!.message).toMatch(/^DICOM listener "main" \(ALERTNODE@127\.0\.0\.1:\d+\) is down: .*EADDRINUSE/);
  }, 60_000);
});

describe('a job that fails for good', () => {
  let hook: WebhookReceiver;
  let dir: string;
  let node: Awaited<ReturnType<typeof startNode>> | undefined;

  afterAll(async () => {
    await node?.stop();
    await hook?.stop();
    if (dir) removeDir(dir);
  });

  it('raises job.dead with the rule, the job and the series, and no patient identifier', async () => {
    hook = await startWebhookReceiver();
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'node-alerts-job-'));
    writeFileSync(
      join(dir, 'node.yaml'),
      `node: { aeTitle: ALERTNODE, dataDir: ./var }
listeners:
  - { name: main, aeTitle: ALERTNODE, port: ${port}, allow: [{ aeTitle: STORESCU, hosts: [127.0.0.1] }] }
destinations:
  out: { kind: folder, path: ./out }
models:
  missing: { manifest: ./no-such-model/manifest.yaml }
presets:
  broken: { model: missing }
limits: { minFreeDiskMb: 16 }
alerts:
  channels:
    ops: { kind: webhook, url: '${hook.url}', events: [job.failed, job.dead] }
`,
    );
    writeFileSync(join(dir, 'rules.yaml'), RULES.replace('enhance: none', 'enhance: broken').replace('destinations: [gone]', 'destinations: [out]'));
    node = await startNode({ configDir: dir, log: silentLogger, createEnhancer: createEngineEnhancer, api: false });
    const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'ALERTNODE' }, [CT]);
    expect(sent.rc, sent.output).toBe(0);
    const alert = await until('job.dead at the webhook', () => hook.delivered().find((b) => b.event === 'job.dead'), 60_000);
    expect(alert).toMatchObject({ severity: 'error', subject: 'ct', details: { rule: 'ct' } });
    expect((alert.details as { jobIds: number[] }).jobIds).toHaveLength(1);
    expect((alert.details as { seriesUids: string[] }).seriesUids[0]).toMatch(/^[0-9.]+$/);
    expect(alert.message).toMatch(/^Job \d+ of rule "ct" failed for good \(no derived series sent\): .*missing/);
    // The channel asked for job events only.
    expect(hook.delivered().map((b) => b.event)).toEqual(['job.dead']);
    expect(hook.requests.map((r) => r.body).join('\n')).not.toMatch(/CompressedSamples|1CT1/);
  }, 90_000);
});
