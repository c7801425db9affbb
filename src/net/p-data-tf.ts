/**
 * P-DATA-TF framing (PS3.8 §9.3.5, Annex E.2) of one DIMSE message part — the command set or the
 * data set — as PDUs of one presentation data value each, without copying the message bytes:
 * each PDU is a 12-byte header followed by a view of the message.
 */

/** PDU type of P-DATA-TF (PS3.8 Table 9-22). */
const P_DATA_TF = 0x04;
/** PDU header (type, reserved, length) plus PDV item header (length, context ID, control header). */
const HEADER_BYTES = 12;

/**
 * The PDUs that carry `bytes` in presentation context `contextId`, each no longer than
 * `maxPduLength` (the peer's Maximum Length Received, which counts the PDU's variable field: the
 * PDV item, PS3.8 D.1.1); 0 means unlimited (PS3.8 D.1.1), capped at `cap` like dcmjs-dimse does.
 * Returned as header/value buffer pairs, flattened, for one `writev`.
 */
export function pDataTfPdus(bytes: Buffer, opts: { contextId: number; command: boolean; maxPduLength: number; cap?: number }): Buffer[] {
  const cap = opts.cap ?? 4 * 1024 * 1024;
  const maxPdu = opts.maxPduLength === 0 ? cap : Math.min(opts.maxPduLength, cap);
  // The PDV item's 4-byte length, context ID and control header take 6 bytes of the PDU's field.
  const fragment = maxPdu - 6;
  if (fragment <= 0) throw new Error(`maximum PDU length ${maxPdu} leaves no room for data`);
  const out: Buffer[] = [];
  let offset = 0;
  do {
    const value = bytes.subarray(offset, offset + fragment);
    offset += value.length;
    const last = offset >= bytes.length;
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt8(P_DATA_TF, 0);
    header.writeUInt8(0, 1);
    header.writeUInt32BE(value.length + 6, 2);
    header.writeUInt32BE(value.length + 2, 6);
    header.writeUInt8(opts.contextId, 10);
    // Message control header (PS3.8 E.2): bit 0 command/data, bit 1 last fragment.
    header.writeUInt8((opts.command ? 0x01 : 0x00) | (last ? 0x02 : 0x00), 11);
    out.push(header, value);
  } while (offset < bytes.length);
  return out;
}
