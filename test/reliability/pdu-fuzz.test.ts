import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import type { ScpTransport } from '../../src/net/types.js';
import { silentLogger } from '../../src/shared/log.js';
import { echoscu, storescu } from '../helpers/dcmtk.js';
import { abortRq, associateRq, CT_IMAGE, pData, pdu, rawClient, releaseRq, waitForBytes } from './raw-pdu.js';
import { randInt, seededRandom } from './seeded.js';

const CT = join('/usr/lib/python3/dist-packages/pydicom/data/test_files', 'CT_small.dcm');
const MAX_PDU = 16_384;
/** Idle and association (ARTIM) timeout: long enough that a guard abort is clearly earlier on a loaded machine. */
const IDLE_MS = 3000;

/**
 * Association/PDU fuzz on loopback against the dcmjs-dimse listener: garbage, wrong state
 * transitions, slow and half-open peers, oversize PDUs. Each must be aborted or closed by the
 * node within its timeouts, while well-behaved DCMTK peers keep being served.
 */
describe('association and PDU fuzz (dcmjs-dimse listener)', () => {
  let scp: ScpTransport;
  let stored = 0;
  const port = (): number => scp.port();

  beforeAll(async () => {
    scp = createDcmjsScp(
      {
        name: 'fuzz', aeTitle: 'NODE', host: '127.0.0.1', port: 0, maxPduLength: MAX_PDU, maxAssociations: 128,
        acceptedTransferSyntaxes: [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian],
      },
      {
        policy: new AllowListPolicy({ listeners: [{ listener: 'fuzz', aeTitle: 'NODE', allow: [{ aeTitle: '*' }] }] }),
        handler: { onStore: async () => (stored++, 0) },
        log: silentLogger,
        idleTimeoutMs: IDLE_MS,
        associationTimeoutMs: IDLE_MS,
        maxConnections: 160,
      },
    );
    await scp.start();
  });
  afterAll(async () => scp?.stop());

  const healthy = async (): Promise<void> => {
    const e = await echoscu({ port: port(), callingAeTitle: 'GOOD', calledAeTitle: 'NODE' }, ['-to', '5']);
    expect(e.rc, e.output).toBe(0);
  };

  it('answers a hand-built A-ASSOCIATE-RQ with A-ASSOCIATE-AC, a release with A-RELEASE-RP, then closes by ARTIM', async () => {
    const c = await rawClient(port());
    c.socket.write(associateRq({ calling: 'RAW', called: 'NODE' }));
    expect((await waitForBytes(c, 6))[0]).toBe(0x02);
    const n = c.received().length;
    c.socket.write(releaseRq());
    expect((await waitForBytes(c, n + 10))[n]).toBe(0x06);
    // A requestor that never closes after A-RELEASE-RP is cut off when ARTIM expires.
    expect(await c.closedWithin(IDLE_MS + 1500)).toBeGreaterThanOrEqual(IDLE_MS - 100);
  });

  it('aborts an unknown PDU type at once', async () => {
    const c = await rawClient(port());
    c.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await c.closedWithin(IDLE_MS - 300);
    expect(c.firstPduType()).toBe(0x07); // A-ABORT
  });

  it('aborts a PDU declaring 4 GB without buffering it, and a P-DATA-TF above the announced maximum', async () => {
    const before = process.memoryUsage().rss;
    const huge = await rawClient(port());
    huge.socket.write(pdu(0x01, Buffer.alloc(64), 0xffff_fff0));
    // Keep sending: nothing of it may be kept.
    for (let i = 0; i < 32 && !huge.socket.destroyed; i++) huge.socket.write(Buffer.alloc(1 << 20));
    // Well before the association timeout: the guard aborts on the header, not a timer.
    expect(await huge.closedWithin(IDLE_MS - 300)).toBeLessThan(IDLE_MS - 300);
    expect(huge.firstPduType()).toBe(0x07);

    const over = await rawClient(port());
    over.socket.write(associateRq({ calling: 'RAW', called: 'NODE', abstracts: [CT_IMAGE] }));
    await waitForBytes(over, 6);
    over.socket.write(pData(MAX_PDU + 100));
    await over.closedWithin(IDLE_MS - 300);
    expect(over.received().subarray(-10)[0]).toBe(0x07);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    await healthy();
  });

  it('closes wrong state transitions: P-DATA, release or abort before any association, a second A-ASSOCIATE-RQ', async () => {
    const wrong = [pData(20), releaseRq(), abortRq(), pdu(0x02, Buffer.alloc(10)), pdu(0x03, Buffer.alloc(4))];
    const clients = await Promise.all(wrong.map(() => rawClient(port())));
    clients.forEach((c, i) => c.socket.write(wrong[i]!));
    // Either closed at once or, with nothing valid ever received, by the association timeout.
    const closing = clients.map((c) => c.closedWithin(IDLE_MS + 3500));
    const twice = await rawClient(port());
    twice.socket.write(associateRq({ calling: 'RAW', called: 'NODE' }));
    await waitForBytes(twice, 6);
    twice.socket.write(associateRq({ calling: 'RAW', called: 'NODE' }));
    await Promise.all([...closing, twice.closedWithin(IDLE_MS + 3500)]);
    await healthy();
  });

  it('cuts off half-open and slow peers by the association (ARTIM) and idle timeouts', async () => {
    const silent = await rawClient(port()); // connects, never speaks
    const associatedThenSilent = await rawClient(port());
    associatedThenSilent.socket.write(associateRq({ calling: 'RAW', called: 'NODE' }));
    const slow = await rawClient(port()); // one byte every 200 ms: the A-ASSOCIATE-RQ never completes in time
    const rq = associateRq({ calling: 'RAW', called: 'NODE' });
    let i = 0;
    const drip = setInterval(() => (i < rq.length && !slow.socket.destroyed ? slow.socket.write(rq.subarray(i, ++i)) : undefined), 200);
    const stalledPdu = await rawClient(port()); // associated, then half a P-DATA-TF and nothing more
    stalledPdu.socket.write(associateRq({ calling: 'RAW', called: 'NODE', abstracts: [CT_IMAGE] }));
    await waitForBytes(stalledPdu, 6);
    stalledPdu.socket.write(pData(1000).subarray(0, 500));
    // Meanwhile a well-behaved peer is served.
    const sent = await storescu({ port: port(), callingAeTitle: 'GOOD', calledAeTitle: 'NODE' }, [CT]);
    expect(sent.rc, sent.output).toBe(0);
    try {
      const limit = IDLE_MS + 1000 + 3500; // timeout + the 1 s check interval + the half-close grace
      for (const c of [silent, associatedThenSilent, slow, stalledPdu]) expect(await c.closedWithin(limit)).toBeGreaterThanOrEqual(IDLE_MS - 100);
      expect(associatedThenSilent.received()[0]).toBe(0x02);
      expect(associatedThenSilent.received().subarray(-10)[0]).toBe(0x07);
    } finally {
      clearInterval(drip);
    }
  });

  it('survives 300 seeded mutations of valid PDU streams while DCMTK keeps storing', async () => {
    const rnd = seededRandom(0x5eed);
    const valid = Buffer.concat([associateRq({ calling: 'FUZZ', called: 'NODE', abstracts: [CT_IMAGE] }), pData(200), releaseRq()]);
    const before = stored;
    const good = storescu({ port: port(), callingAeTitle: 'GOOD', calledAeTitle: 'NODE' }, Array(20).fill(CT));
    const open: Array<Promise<number>> = [];
    for (let n = 0; n < 300; n++) {
      const bytes = Buffer.from(valid.subarray(0, 1 + randInt(rnd, valid.length)));
      const flips = 1 + randInt(rnd, 8);
      for (let f = 0; f < flips; f++) bytes[randInt(rnd, bytes.length)] = randInt(rnd, 256);
      const c = await rawClient(port()).catch(() => undefined);
      if (!c) continue; // refused at the connection cap: also a clean outcome
      c.socket.write(bytes);
      // Half of them hang up at once, the others leave it to the node.
      if (rnd() < 0.5) c.socket.destroy();
      else open.push(c.closedWithin(IDLE_MS + 5000));
      if (open.length >= 100) await Promise.all(open.splice(0));
    }
    await Promise.all(open);
    const g = await good;
    expect(g.rc, g.output).toBe(0);
    expect(stored - before).toBeGreaterThanOrEqual(20);
    await healthy();
  });
});
