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
export function associateRq(opts: { calling: string; called: string; abstracts?: string[]; maxPdu?: number }): Buffer {
  const contexts = (opts.abstracts ?? [VERIFICATION]).map((uid, i) =>
    item(0x20, Buffer.concat([Buffer.from([1 + 2 * i, 0, 0, 0]), item(0x30, Buffer.from(uid)), item(0x40, Buffer.from(IMPLICIT_LE))])),
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
