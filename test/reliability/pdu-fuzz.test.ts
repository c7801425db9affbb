import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { AllowListPolicy } from '../../src/net/allow-list-policy.js';
import { createDcmjsScp } from '../../src/net/dcmjs-dimse-scp.js';
import type { ScpTransport } from '../../src/net/types.js';
import { silentLogger } from '../../src/shared/log.js';
import { pydicomTestFile } from '../helpers/debian-fixtures.js';
import { echoscu, storescu } from '../helpers/dcmtk.js';
import {
  abortRq,
  associateRq,
  cEchoCommand,
  dimseStatuses,
  CT_IMAGE,
  lastDimseStatus,
  pData,
  pdu,
  pdvs,
  rawClient,
  releaseRq,
  requestWithoutDataSet,
  splitPdus,
  waitForBytes,
  type RawClient,
} from './raw-pdu.js';
import { randInt, seededRandom } from './seeded.js';

const CT = pydicomTestFile('CT_small.dcm');
const MAX_PDU = 16_384;
/**
 * Idle and association (ARTIM) timeouts of the listener whose answers are checked: far above
 * ANSWER_MS, so a connection closed by a timer can never pass for the state machine's answer.
 */
const LONG_MS = 30_000;
/** The state machine answers (and closes, where PS3.8 closes) within this. */
const ANSWER_MS = 1500;
/** Timeouts of the second listener, whose timers are what is tested. */
const IDLE_MS = 3000;

const PDU_NAMES: Record<number, string> = {
  1: 'A-ASSOCIATE-RQ',
  2: 'A-ASSOCIATE-AC',
  3: 'A-ASSOCIATE-RJ',
  4: 'P-DATA-TF',
  5: 'A-RELEASE-RQ',
  6: 'A-RELEASE-RP',
  7: 'A-ABORT',
};

/** The PDUs received, by name; A-ABORT with "source/reason", A-ASSOCIATE-RJ with "result/source/reason" (PS3.8 9.3.4, 9.3.8). */
function answer(bytes: Buffer): string[] {
  return splitPdus(bytes).map(({ type, body }) => {
    const name = PDU_NAMES[type] ?? `0x${type.toString(16)}`;
    if (type === 0x07) return `${name} ${body[2]}/${body[3]}`;
    if (type === 0x03) return `${name} ${body[1]}/${body[2]}/${body[3]}`;
    return name;
  });
}

const abort = (source: number, reason: number): string => `A-ABORT ${source}/${reason}`;

const rq = (called = 'NODE'): Buffer => associateRq({ calling: 'RAW', called });
const echo = (): Buffer[] => pdvs(1, cEchoCommand(7), true, MAX_PDU);

/**
 * PS3.8 Table 9-10 for an acceptor, written out here independently of the product: the answer to a
 * byte stream, as far as it is fixed by the PDU headers and by PDUs identical to one of `known`
 * (whose answers are given). Undefined when any other PDU reaches the library (its answer depends
 * on the content); `closes` false when the node must wait for more.
 */
function expectedAnswer(bytes: Buffer, known: Array<[pdu: Buffer, reply: string]>): { answers: string[]; closes: boolean } | undefined {
  const answers: string[] = [];
  let state: 'Sta2' | 'Sta6' | 'Sta13' = 'Sta2';
  for (let o = 0; o + 6 <= bytes.length; ) {
    const type = bytes[o]!;
    const end = o + 6 + bytes.readUInt32BE(o + 2);
    const invalid = !PDU_NAMES[type] ? 1 : end - o - 6 > (type === 0x04 ? MAX_PDU : 1 << 20) ? 6 : 0;
    if (type === 0x07 && !invalid) return { answers, closes: true }; // AA-2, AA-3: close, no answer
    if (state === 'Sta2' && (type !== 0x01 || invalid)) return { answers: [...answers, abort(0, 0)], closes: true }; // AA-1
    if (state === 'Sta6' && invalid) return { answers: [...answers, abort(2, invalid)], closes: true }; // AA-8
    if (state === 'Sta6' && type !== 0x04 && type !== 0x05) return { answers: [...answers, abort(2, 2)], closes: true }; // AA-8
    if (state === 'Sta13') {
      if (invalid) return { answers: [...answers, abort(2, invalid)], closes: true }; // AA-7
      if (type === 0x01) return { answers: [...answers, abort(2, 2)], closes: true }; // AA-7
      if (end > bytes.length) return { answers, closes: false };
      o = end; // AA-6: ignored
      continue;
    }
    if (end > bytes.length) return { answers, closes: false }; // let through; the rest is awaited
    const reply = known.find(([k]) => bytes.subarray(o, end).equals(k))?.[1];
    if (!reply) return undefined;
    answers.push(reply);
    if (type === 0x01) state = 'Sta6';
    if (type === 0x05) state = 'Sta13';
    o = end;
  }
  return { answers, closes: false };
}

/**
 * One seeded mutation of a PDU sequence: byte flips, a PDU's type replaced, a PDU dropped,
 * duplicated or moved, or another PDU inserted; then possibly cut short.
 */
function mutant(rnd: () => number, script: Buffer[], extras: Buffer[]): Buffer {
  const pdus = script.map((p) => Buffer.from(p));
  const at = (): number => randInt(rnd, pdus.length);
  switch (randInt(rnd, 5)) {
    case 0: {
      const i = at();
      pdus[i]![0] = rnd() < 0.5 ? 1 + randInt(rnd, 7) : randInt(rnd, 256);
      break;
    }
    case 1:
      pdus.splice(at(), 1);
      break;
    case 2:
      pdus.splice(at(), 0, Buffer.from(pdus[at()]!));
      break;
    case 3:
      pdus.splice(at(), 0, Buffer.from(extras[randInt(rnd, extras.length)]!));
      break;
    default: {
      const bytes = Buffer.concat(pdus);
      for (let f = 1 + randInt(rnd, 8); f > 0; f--) bytes[randInt(rnd, bytes.length)] = randInt(rnd, 256);
      return bytes.subarray(0, 1 + randInt(rnd, bytes.length));
    }
  }
  const bytes = Buffer.concat(pdus);
  return rnd() < 0.3 ? bytes.subarray(0, 1 + randInt(rnd, bytes.length)) : bytes;
}

async function send(port: number, ...parts: Buffer[]): Promise<RawClient> {
  const c = await rawClient(port);
  c.socket.write(Buffer.concat(parts));
  return c;
}

/** The answer to `parts` written at once, ending with "(still open)" unless the node closed within ANSWER_MS. */
async function answerClosing(port: number, ...parts: Buffer[]): Promise<string[]> {
  const c = await send(port, ...parts);
  const closed = await c.closedWithin(ANSWER_MS).then(() => true, () => false);
  c.socket.destroy();
  return closed ? answer(c.received()) : [...answer(c.received()), '(still open)'];
}

/** Waits until `count` complete PDUs have come back, at most ANSWER_MS. */
async function untilPdus(c: RawClient, count: number): Promise<void> {
  const deadline = Date.now() + ANSWER_MS;
  while (splitPdus(c.received()).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** The answer to `parts` once `count` PDUs came back, with the connection still open. */
async function answerOpen(port: number, count: number, ...parts: Buffer[]): Promise<{ answers: string[]; client: RawClient }> {
  const c = await send(port, ...parts);
  await untilPdus(c, count);
  await expect(c.closedWithin(200)).rejects.toThrow();
  return { answers: answer(c.received()), client: c };
}

/**
 * Association/PDU fuzz on loopback against the dcmjs-dimse listener. Every malformed or out-of-state
 * PDU must get the answer the upper-layer state machine gives (PS3.8 9.2.3, Table 9-10: A-ABORT with
 * its source and reason, A-ASSOCIATE-RJ, or a plain close) well before any timeout; half-open and
 * slow peers are cut off by the timers; well-behaved DCMTK peers keep being served throughout.
 */
describe('association and PDU fuzz (dcmjs-dimse listener)', () => {
  let scp: ScpTransport;
  let timed: ScpTransport;
  let stored = 0;
  const port = (): number => scp.port();

  const listen = (name: string, timeoutMs: number): ScpTransport =>
    createDcmjsScp(
      {
        name, aeTitle: 'NODE', host: '127.0.0.1', port: 0, maxPduLength: MAX_PDU, maxAssociations: 128,
        acceptedTransferSyntaxes: [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian],
      },
      {
        policy: new AllowListPolicy({ listeners: [{ listener: name, aeTitle: 'NODE', allow: [{ aeTitle: '*' }] }] }),
        handler: { onStore: async () => (stored++, 0) },
        log: silentLogger,
        idleTimeoutMs: timeoutMs,
        associationTimeoutMs: timeoutMs,
        maxConnections: 160,
      },
    );

  beforeAll(async () => {
    scp = listen('fuzz', LONG_MS);
    timed = listen('timed', IDLE_MS);
    await Promise.all([scp.start(), timed.start()]);
  });
  afterAll(async () => Promise.all([scp?.stop(), timed?.stop()]));

  const healthy = async (): Promise<void> => {
    const e = await echoscu({ port: port(), callingAeTitle: 'GOOD', calledAeTitle: 'NODE' }, ['-to', '5']);
    expect(e.rc, e.output).toBe(0);
  };

  it('answers any PDU but A-ASSOCIATE-RQ before an association with A-ABORT from the service user (AA-1), and closes on A-ABORT (AA-2)', async () => {
    const cases: Array<[string, Buffer]> = [
      ['A-ASSOCIATE-AC', pdu(0x02, Buffer.alloc(10))],
      ['A-ASSOCIATE-RJ', pdu(0x03, Buffer.from([0, 1, 1, 1]))],
      ['P-DATA-TF', pData(20)],
      ['A-RELEASE-RQ', releaseRq()],
      ['A-RELEASE-RP', pdu(0x06, Buffer.alloc(4))],
      ['unknown PDU type (HTTP)', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['A-ASSOCIATE-RQ declaring 4 GB', pdu(0x01, Buffer.alloc(64), 0xffff_fff0)],
      ['unreadable A-ASSOCIATE-RQ', pdu(0x01, Buffer.alloc(10))],
    ];
    const answers = await Promise.all(cases.map(([, bytes]) => answerClosing(port(), bytes)));
    expect(Object.fromEntries(cases.map(([name], i) => [name, answers[i]]))).toEqual(Object.fromEntries(cases.map(([name]) => [name, [abort(0, 0)]])));
    expect(await answerClosing(port(), abortRq())).toEqual([]);
  });

  it('answers a PDU the association does not allow with A-ABORT from the service provider (AA-8), and closes on A-ABORT (AA-3)', async () => {
    const cases: Array<[string, Buffer, string]> = [
      ['second A-ASSOCIATE-RQ', rq(), abort(2, 2)],
      ['A-ASSOCIATE-AC', pdu(0x02, Buffer.alloc(10)), abort(2, 2)],
      ['A-ASSOCIATE-RJ', pdu(0x03, Buffer.from([0, 1, 1, 1])), abort(2, 2)],
      ['A-RELEASE-RP', pdu(0x06, Buffer.alloc(4)), abort(2, 2)],
      ['unknown PDU type', pdu(0x47, Buffer.alloc(4)), abort(2, 1)],
      ['P-DATA-TF above the announced maximum', pData(MAX_PDU + 100), abort(2, 6)],
    ];
    const answers = await Promise.all(cases.map(([, bytes]) => answerClosing(port(), rq(), bytes)));
    expect(Object.fromEntries(cases.map(([name], i) => [name, answers[i]]))).toEqual(
      Object.fromEntries(cases.map(([name, , expected]) => [name, ['A-ASSOCIATE-AC', expected]])),
    );
    expect(await answerClosing(port(), rq(), abortRq())).toEqual(['A-ASSOCIATE-AC']);
  });

  it('serves PDUs in order from a requestor that does not wait, then ignores PDUs after A-RELEASE-RP (AA-6) and aborts a new A-ASSOCIATE-RQ (AA-7)', async () => {
    const served = await answerOpen(port(), 3, rq(), ...echo(), releaseRq(), pData(20), pdu(0x06, Buffer.alloc(4)));
    expect(served.answers).toEqual(['A-ASSOCIATE-AC', 'P-DATA-TF', 'A-RELEASE-RP']);
    expect(lastDimseStatus(served.client.received())).toBe(0x0000);
    served.client.socket.write(rq());
    await served.client.closedWithin(ANSWER_MS);
    expect(answer(served.client.received())).toEqual(['A-ASSOCIATE-AC', 'P-DATA-TF', 'A-RELEASE-RP', abort(2, 2)]);
  });

  it('refuses a DIMSE request it does not provide with 0x0211 and ignores C-CANCEL, keeping the association', async () => {
    const request = (commandField: number, messageId: number): Buffer[] => pdvs(1, requestWithoutDataSet(commandField, messageId), true, MAX_PDU);
    // C-FIND-RQ (0x0020) and N-ACTION-RQ (0x0130) are not provided; C-CANCEL-RQ (0x0FFF) has no response.
    const served = await answerOpen(port(), 5, rq(), ...request(0x0020, 3), ...request(0x0fff, 3), ...request(0x0130, 4), ...echo(), releaseRq());
    expect(served.answers).toEqual(['A-ASSOCIATE-AC', 'P-DATA-TF', 'P-DATA-TF', 'P-DATA-TF', 'A-RELEASE-RP']);
    expect(dimseStatuses(served.client.received())).toEqual([0x0211, 0x0211, 0x0000]);
    served.client.socket.destroy();
  });

  it("rejects with the policy's A-ASSOCIATE-RJ, ignores what follows (AA-6) and aborts a new A-ASSOCIATE-RQ (AA-7)", async () => {
    // Called AE not ours: rejected-permanent, service-user, called-AE-title-not-recognized (PS3.8 Table 9-21).
    const rejected = await answerOpen(port(), 1, rq('OTHER'), pData(20), releaseRq());
    expect(rejected.answers).toEqual(['A-ASSOCIATE-RJ 1/1/7']);
    rejected.client.socket.destroy();
    expect(await answerClosing(port(), rq('OTHER'), pData(20), rq())).toEqual(['A-ASSOCIATE-RJ 1/1/7', abort(2, 2)]);
  });

  it('aborts a PDU declaring 4 GB and a P-DATA-TF above the maximum on their headers, without buffering what follows', async () => {
    const before = process.memoryUsage().rss;
    const huge = await send(port(), pdu(0x01, Buffer.alloc(64), 0xffff_fff0));
    // Keep sending: nothing of it may be kept.
    for (let i = 0; i < 32 && !huge.socket.destroyed; i++) huge.socket.write(Buffer.alloc(1 << 20));
    await huge.closedWithin(ANSWER_MS);
    expect(answer(huge.received())).toEqual([abort(0, 0)]);

    const over = await send(port(), associateRq({ calling: 'RAW', called: 'NODE', abstracts: [CT_IMAGE] }));
    await waitForBytes(over, 6);
    over.socket.write(pData(MAX_PDU + 100));
    for (let i = 0; i < 8 && !over.socket.destroyed; i++) over.socket.write(Buffer.alloc(1 << 20));
    await over.closedWithin(ANSWER_MS);
    expect(answer(over.received())).toEqual(['A-ASSOCIATE-AC', abort(2, 6)]);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    await healthy();
  });

  it('answers A-ASSOCIATE-RQ with A-ASSOCIATE-AC, a release with A-RELEASE-RP, then closes by ARTIM', async () => {
    const c = await rawClient(timed.port());
    c.socket.write(rq());
    expect((await waitForBytes(c, 6))[0]).toBe(0x02);
    const n = c.received().length;
    c.socket.write(releaseRq());
    expect((await waitForBytes(c, n + 10))[n]).toBe(0x06);
    // A requestor that never closes after A-RELEASE-RP is cut off when ARTIM expires.
    expect(await c.closedWithin(IDLE_MS + 1500)).toBeGreaterThanOrEqual(IDLE_MS - 100);
  });

  it('cuts off half-open and slow peers by the association (ARTIM) and idle timeouts', async () => {
    const tport = timed.port();
    const silent = await rawClient(tport); // connects, never speaks
    const associatedThenSilent = await rawClient(tport);
    associatedThenSilent.socket.write(rq());
    const slow = await rawClient(tport); // one byte every 200 ms: the A-ASSOCIATE-RQ never completes in time
    const request = rq();
    let i = 0;
    const drip = setInterval(() => (i < request.length && !slow.socket.destroyed ? slow.socket.write(request.subarray(i, ++i)) : undefined), 200);
    const stalledPdu = await rawClient(tport); // associated, then half a P-DATA-TF and nothing more
    stalledPdu.socket.write(associateRq({ calling: 'RAW', called: 'NODE', abstracts: [CT_IMAGE] }));
    await waitForBytes(stalledPdu, 6);
    stalledPdu.socket.write(pData(1000).subarray(0, 500));
    // Meanwhile a well-behaved peer is served.
    const sent = await storescu({ port: tport, callingAeTitle: 'GOOD', calledAeTitle: 'NODE' }, [CT]);
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

  it('gives 300 seeded mutations of a valid PDU stream the answers of PS3.8 Table 9-10, while DCMTK keeps storing', async () => {
    const rnd = seededRandom(0x5eed);
    const script = [rq(), ...echo(), releaseRq()];
    const known: Array<[Buffer, string]> = [[script[0]!, 'A-ASSOCIATE-AC'], [script[1]!, 'P-DATA-TF'], [script[2]!, 'A-RELEASE-RP']];
    const extras = [pdu(0x02, Buffer.alloc(10)), pdu(0x03, Buffer.from([0, 1, 1, 1])), pdu(0x06, Buffer.alloc(4)), abortRq(), pData(20), pData(MAX_PDU + 1), pdu(0x47, Buffer.alloc(4))];
    const before = stored;
    const good = storescu({ port: port(), callingAeTitle: 'GOOD', calledAeTitle: 'NODE' }, Array(20).fill(CT));
    const checks: Array<Promise<void>> = [];
    let judged = 0;
    const wrong: string[] = [];
    for (let n = 0; n < 300; n++) {
      const bytes = mutant(rnd, script, extras);
      const expected = expectedAnswer(bytes, known);
      const c = await rawClient(port()).catch(() => undefined);
      if (!c) continue; // refused at the connection cap: also a clean outcome
      c.socket.write(bytes);
      if (!expected) {
        // Content the library judges: only survival is checked. Half hang up at once.
        if (rnd() < 0.5) c.socket.destroy();
        else checks.push(new Promise((r) => setTimeout(r, 300)).then(() => void c.socket.destroy()));
        continue;
      }
      judged++;
      checks.push(
        (async () => {
          if (!expected.closes) await untilPdus(c, expected.answers.length);
          const closed = await c.closedWithin(expected.closes ? ANSWER_MS : 200).then(() => true, () => false);
          const got = answer(c.received());
          if (closed !== expected.closes || JSON.stringify(got) !== JSON.stringify(expected.answers)) {
            wrong.push(`#${n} ${bytes.subarray(0, 12).toString('hex')}…: expected ${JSON.stringify(expected)}, got ${JSON.stringify({ answers: got, closes: closed })}`);
          }
          c.socket.destroy();
        })(),
      );
      if (checks.length >= 50) await Promise.all(checks.splice(0));
    }
    await Promise.all(checks);
    expect(wrong).toEqual([]);
    expect(judged).toBeGreaterThan(250);
    const g = await good;
    expect(g.rc, g.output).toBe(0);
    expect(stored - before).toBeGreaterThanOrEqual(20);
    await healthy();
  });
});
