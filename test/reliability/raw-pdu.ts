/** Hand-built upper-layer PDUs (PS3.8 9.3) for fuzzing a listener over a raw TCP socket. */
import { connect, type Socket } from 'node:net';

function item(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}

export function pdu(type: number, body: Buffer, declaredLength = body.length): Buffer {
  const h = Buffer.alloc(6);
  h[0] = type;
  h.writeUInt32BE(declaredLength, 2);
  return Buffer.concat([h, body]);
}

const ae = (s: string): Buffer => Buffer.from(s.padEnd(16, ' ').slice(0, 16), 'ascii');

export const VERIFICATION = '1.2.840.10008.1.1';
export const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
export const IMPLICIT_LE = '1.2.840.10008.1.2';

/** A-ASSOCIATE-RQ proposing the given abstract syntaxes (context ids 1, 3, …) with implicit VR LE. */
export function associateRq(opts: { calling: string; called: string; abstracts?: string[]; maxPdu?: number; transferSyntax?: string }): Buffer {
  const contexts = (opts.abstracts ?? [VERIFICATION]).map((uid, i) =>
    item(0x20, Buffer.concat([Buffer.from([1 + 2 * i, 0, 0, 0]), item(0x30, Buffer.from(uid)), item(0x40, Buffer.from(opts.transferSyntax ?? IMPLICIT_LE))])),
  );
  const maxLen = Buffer.alloc(4);
  maxLen.writeUInt32BE(opts.maxPdu ?? 16384);
  const userInfo = item(0x50, Buffer.concat([item(0x51, maxLen), item(0x52, Buffer.from('1.2.3.4'))]));
  const body = Buffer.concat([
    Buffer.from([0, 1, 0, 0]),
    ae(opts.called),
    ae(opts.calling),
    Buffer.alloc(32),
    item(0x10, Buffer.from('1.2.840.10008.3.1.1.1')),
    ...contexts,
    userInfo,
  ]);
  return pdu(0x01, body);
}

/** P-DATA-TF with one PDV of `size` bytes for presentation context 1 (flags: last command fragment). */
export function pData(size: number, declaredLength?: number): Buffer {
  const pdv = Buffer.alloc(4 + 2 + size);
  pdv.writeUInt32BE(2 + size, 0);
  pdv[4] = 1;
  pdv[5] = 0x03;
  return pdu(0x04, pdv, declaredLength);
}

export const releaseRq = (): Buffer => pdu(0x05, Buffer.alloc(4));
export const abortRq = (): Buffer => pdu(0x07, Buffer.from([0, 0, 0, 0]));

/** A raw client: what it received and when the server closed it. */
export interface RawClient {
  socket: Socket;
  received(): Buffer;
  /** Resolves with the ms from connect to close (server or network), or rejects after `ms`. */
  closedWithin(ms: number): Promise<number>;
  /** First PDU type received, if any. */
  firstPduType(): number | undefined;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect({ port, host: '127.0.0.1' });
  const chunks: Buffer[] = [];
  const t0 = Date.now();
  let closedAt: number | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((closedAt = Date.now()), resolve())));
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => Buffer.concat(chunks),
    firstPduType: () => chunks[0]?.[0],
    closedWithin: async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`server did not close the connection within ${ms} ms`)), ms);
      });
      try {
        await Promise.race([closed, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return (closedAt ?? Date.now()) - t0;
    },
  };
}

/** Waits until `n` bytes have arrived (or throws after `ms`). */
export async function waitForBytes(c: RawClient, n: number, ms = 3000): Promise<Buffer> {
  const deadline = Date.now() + ms;
  while (c.received().length < n) {
    if (Date.now() > deadline) throw new Error(`only ${c.received().length} of ${n} bytes arrived`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return c.received();
}

/** An implicit VR LE element (command sets are always implicit VR LE, PS3.7 6.3.1). */
function cmdElement(element: number, value: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(0x0000, 0);
  h.writeUInt16LE(element, 2);
  h.writeUInt32LE(value.length, 4);
  return Buffer.concat([h, value]);
}
const us = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const ui = (s: string): Buffer => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');

/** C-STORE-RQ command set (PS3.7 9.3.1.1). */
export function cStoreCommand(messageId: number, sopClass: string, sopInstance: string): Buffer {
  const body = Buffer.concat([
    cmdElement(0x0002, ui(sopClass)),
    cmdElement(0x0100, us(0x0001)),
    cmdElement(0x0110, us(messageId)),
    cmdElement(0x0700, us(0)),
    cmdElement(0x0800, us(0x0000)),
    cmdElement(0x1000, ui(sopInstance)),
  ]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length);
  return Buffer.concat([cmdElement(0x0000, len), body]);
}

/** P-DATA-TF PDUs carrying `bytes` as command (flags bit 0) or data set fragments of at most `max` bytes. */
export function pdvs(contextId: number, bytes: Buffer, command: boolean, max: number): Buffer[] {
  const out: Buffer[] = [];
  const room = max - 6;
  for (let o = 0; o < bytes.length || o === 0; o += room) {
    const part = bytes.subarray(o, o + room);
    const last = o + room >= bytes.length;
    const pdv = Buffer.alloc(6);
    pdv.writeUInt32BE(2 + part.length, 0);
    pdv[4] = contextId;
    pdv[5] = (command ? 1 : 0) | (last ? 2 : 0);
    out.push(pdu(0x04, Buffer.concat([pdv, part])));
    if (bytes.length === 0) break;
  }
  return out;
}

/** Status (0000,0900) of the last command set in the bytes received, if a complete one is there. */
export function lastDimseStatus(received: Buffer): number | undefined {
  return dimseStatuses(received).at(-1);
}

/** Status (0000,0900) of every complete command set in the bytes received, in order. */
export function dimseStatuses(received: Buffer): number[] {
  const statuses: number[] = [];
  for (let o = 0; o + 6 <= received.length; ) {
    const type = received[o]!;
    const len = received.readUInt32BE(o + 2);
    if (o + 6 + len > received.length) break;
    if (type === 0x04) {
      const body = received.subarray(o + 6, o + 6 + len);
      for (let p = 0; p + 6 <= body.length; ) {
        const pdvLen = body.readUInt32BE(p);
        const flags = body[p + 5]!;
        const value = body.subarray(p + 6, p + 4 + pdvLen);
        if (flags & 1) {
          for (let e = 0; e + 8 <= value.length; ) {
            const el = value.readUInt16LE(e + 2);
            const l = value.readUInt32LE(e + 4);
            if (el === 0x0900 && l === 2) statuses.push(value.readUInt16LE(e + 8));
            e += 8 + l;
          }
        }
        p += 4 + pdvLen;
      }
    }
    o += 6 + len;
  }
  return statuses;
}

/** C-ECHO-RQ command set (PS3.7 9.3.5.1). */
export function cEchoCommand(messageId: number): Buffer {
  return requestWithoutDataSet(0x0030, messageId);
}

/** A request command set on the Verification context with no data set: `commandField` as given. */
export function requestWithoutDataSet(commandField: number, messageId: number): Buffer {
  const body = Buffer.concat([
    cmdElement(0x0002, ui(VERIFICATION)),
    cmdElement(0x0100, us(commandField)),
    cmdElement(0x0110, us(messageId)),
    cmdElement(0x0800, us(0x0101)),
  ]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length);
  return Buffer.concat([cmdElement(0x0000, len), body]);
}

/** One PDU as received: its type and variable field. */
export interface ReceivedPdu {
  type: number;
  body: Buffer;
}

/** The complete PDUs in `bytes`, in order (a trailing partial PDU is left out). */
export function splitPdus(bytes: Buffer): ReceivedPdu[] {
  const out: ReceivedPdu[] = [];
  for (let o = 0; o + 6 <= bytes.length; ) {
    const end = o + 6 + bytes.readUInt32BE(o + 2);
    if (end > bytes.length) break;
    out.push({ type: bytes[o]!, body: bytes.subarray(o + 6, end) });
    o = end;
  }
  return out;
}
