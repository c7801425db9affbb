import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/build-api.js';
import { readPart10 } from '../../src/dicom/part10.js';
import { ACCEPTED_TRANSFER_SYNTAXES } from '../../src/dicom/transfer-syntax.js';
import { buildStowBody, parseStowResponse } from '../../src/export/stow-rs.js';
import { listAssociations } from '../../src/provenance/associations.js';
import { findCurrentBySop } from '../../src/provenance/instances.js';
import { InstanceReceiver } from '../../src/receive/instance-receiver.js';
import { silentLogger } from '../../src/shared/log.js';
import { Spool } from '../../src/spool/spool.js';
import { bearer, createApiFixture, REPO, TOKEN, type ApiFixture } from './api-fixture.js';

/**
 * The STOW-RS route over the node's real receive path (InstanceReceiver, spool, SQLite), through
 * inject: what the end-to-end test cannot easily provoke — the disk and queue guards, a refusal by
 * the receiver in the middle of a request, a chunked body over the limit, a config reload that
 * turns a client or the whole input off — and that the API token and a STOW token open
 * different doors.
 */

const STOW_TOKEN = 'stow-client-token-4b7e1a92';
const CT = readdirSync(join(REPO, 'sample-studies/ct5n')).map((f) => readFileSync(join(REPO, 'sample-studies/ct5n', f)));
const sopOf = (b: Buffer) => readPart10(b, { untilPixelData: true }).dataset.SOPInstanceUID as string;

describe('POST /dicom-web/studies over the real receiver (inject)', () => {
  let fx: ApiFixture;
  let app: FastifyInstance;
  let nodeYaml: string;
  const guards = { diskLow: false, queueFull: false, receiverQueueFull: false };

  beforeAll(async () => {
    fx = createApiFixture({ pacsPort: 1, downPort: 2 });
    nodeYaml = readFileSync(join(fx.dir, 'node.yaml'), 'utf8');
    const spool = new Spool(join(fx.dir, 'var', 'spool'));
    await spool.init();
    const receiver = new InstanceReceiver({
      db: fx.db,
      spool,
      log: silentLogger,
      decodableTransferSyntaxes: [...ACCEPTED_TRANSFER_SYNTAXES],
      isQueueFull: () => guards.receiverQueueFull,
    });
    app = buildApi({
      ...fx.deps,
      stow: { ingest: (input) => receiver.ingest(input), isDiskLow: () => guards.diskLow, isQueueFull: () => guards.queueFull },
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    fx?.cleanup();
  });

  const reloadWith = (stowYaml: string) => {
    writeFileSync(join(fx.dir, 'node.yaml'), nodeYaml + stowYaml);
    const r = fx.watcher.reload('manual');
    expect(r).toMatchObject({ ok: true });
  };
  const post = (files: Buffer[], headers: Record<string, string> = bearer(STOW_TOKEN), url = '/dicom-web/studies') => {
    const { body, contentType } = buildStowBody(files);
    return app.inject({ method: 'POST', url, headers: { 'content-type': contentType, ...headers }, payload: body });
  };

  it('answers 404 while node.yaml has no stow: section, with or without the API token', async () => {
    expect((await post(CT.slice(0, 1), bearer(TOKEN))).statusCode).toBe(404);
    expect((await post(CT.slice(0, 1), {})).statusCode).toBe(404);
    expect(findCurrentBySop(fx.db, sopOf(CT[0]!))).toBeUndefined();
  });

  it('takes a client once configured; the API token is no STOW credential and a STOW token opens nothing else', async () => {
    reloadWith(`stow:\n  aeTitle: STOWIN\n  clients:\n    - { name: RIS_WEB, token: ${STOW_TOKEN} }\n`);
    const r = await post(CT.slice(0, 2));
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/dicom\+json/);
    expect(parseStowResponse(r.body).stored.map((s) => s.sopInstanceUid)).toEqual(CT.slice(0, 2).map(sopOf));
    expect(listAssociations(fx.db, { callingAe: 'RIS_WEB' })).toMatchObject([{ calledAe: 'STOWIN', transport: 'stow-rs', outcome: 'released', instancesReceived: 2 }]);

    expect((await post(CT.slice(0, 1), bearer(TOKEN))).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/status', headers: bearer(STOW_TOKEN) })).statusCode).toBe(401);
    // The config the API shows carries neither the token nor its digest.
    const shown = (await app.inject({ method: 'GET', url: '/api/config', headers: bearer(TOKEN) })).body;
    expect(shown).toContain('RIS_WEB');
    expect(shown).not.toMatch(/[0-9a-f]{64}/);
  });

  it('answers 503 with Retry-After while the disk or queue guard refuses, records the refusal, and stores once they clear', async () => {
    guards.diskLow = true;
    const disk = await post(CT.slice(2, 3));
    expect(disk.statusCode).toBe(503);
    expect(disk.headers['retry-after']).toBe('30');
    expect(disk.json()).toMatchObject({ code: 'PACS_E_DISK_FULL' });
    guards.diskLow = false;
    guards.queueFull = true;
    expect((await post(CT.slice(2, 3))).json()).toMatchObject({ code: 'PACS_E_QUEUE_FULL' });
    guards.queueFull = false;
    const rejected = listAssociations(fx.db, { callingAe: 'RIS_WEB', outcome: 'rejected' });
    expect(rejected.map((a) => a.rejectReason).sort()).toEqual([expect.stringContaining('disk space'), expect.stringContaining('queue depth')].sort());
    expect(findCurrentBySop(fx.db, sopOf(CT[2]!))).toBeUndefined();
    expect((await post(CT.slice(2, 3))).statusCode).toBe(200);
  });

  it('fails a part the receiver refuses mid-request with its status as Failure Reason (0xA700: none stored, 409)', async () => {
    guards.receiverQueueFull = true;
    const r = await post(CT.slice(3, 5));
    guards.receiverQueueFull = false;
    expect(r.statusCode).toBe(409);
    expect(parseStowResponse(r.body).failed).toEqual(CT.slice(3, 5).map((f) => ({ sopInstanceUid: sopOf(f), reason: 0xa700 })));
  });

  it('stops a chunked body (no Content-Length) at stow.maxRequestMb with 413, keeping the instances before it', async () => {
    reloadWith(`stow:\n  maxRequestMb: 1\n  clients:\n    - { name: RIS_WEB, token: ${STOW_TOKEN} }\n`);
    const { body, contentType } = buildStowBody([CT[3]!, Buffer.alloc(1024 * 1024 + 1, 1)]);
    const r = await app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': contentType, ...bearer(STOW_TOKEN) }, payload: Readable.from([body.subarray(0, 9000), body.subarray(9000)]) });
    expect(r.headers['content-length']).toBeDefined();
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ code: 'PACS_E_TOO_LARGE', details: { stored: 1, failed: 0 } });
    expect(findCurrentBySop(fx.db, sopOf(CT[3]!))).toBeDefined();
    const request = listAssociations(fx.db, { callingAe: 'RIS_WEB' })[0]!;
    expect(request).toMatchObject({ outcome: 'error', rejectReason: expect.stringContaining('stow.maxRequestMb') });
  });

  it('refuses a removed client after a reload, and every client once stow: is gone', async () => {
    reloadWith(`stow:\n  clients:\n    - { name: OTHER, token: another-token-0123456 }\n`);
    expect((await post(CT.slice(0, 1))).statusCode).toBe(401);
    expect((await post(CT.slice(0, 1), bearer('another-token-0123456'))).statusCode).toBe(200);
    reloadWith('');
    expect((await post(CT.slice(0, 1), bearer('another-token-0123456'))).statusCode).toBe(404);
  });
});
