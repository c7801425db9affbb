/** RFC 5424 syslog messages and their framing on stream transports (RFC 5425 / RFC 6587 octet counting). Pure. */

export interface SyslogHeader {
  /** 0-23 (RFC 5424 6.2.1): 10 = security/authorization (authpriv). */
  facility: number;
  /** 0-7: 4 = warning, 5 = notice. */
  severity: number;
  timestamp: Date;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
}

/** IHE ITI TF-2 3.20.7 (ATNA Record Audit Event): the MSGID of an audit message in the DICOM/RFC 3881 format. */
export const AUDIT_MSGID = 'IHE+RFC-3881';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A header field: printable US-ASCII without spaces, at most `max` characters, NILVALUE "-" when empty (RFC 5424 6.2). */
function field(value: string, max: number): string {
  const printable = value.replace(/[^!-~]/g, '').slice(0, max);
  return printable === '' ? '-' : printable;
}

/**
 * One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - BOM MSG`, no structured
 * data, the message as UTF-8 flagged by its byte-order mark (RFC 5424 6.4).
 */
export function syslogMessage(h: SyslogHeader, msg: string): Buffer {
  if (!Number.isInteger(h.facility) || h.facility < 0 || h.facility > 23) throw new RangeError(`syslog facility ${h.facility} is not 0-23`);
  if (!Number.isInteger(h.severity) || h.severity < 0 || h.severity > 7) throw new RangeError(`syslog severity ${h.severity} is not 0-7`);
  const header = `<${h.facility * 8 + h.severity}>1 ${h.timestamp.toISOString()} ${field(h.hostname, 255)} ${field(h.appName, 48)} ${field(h.procId, 128)} ${field(h.msgId, 32)} - `;
  return Buffer.concat([Buffer.from(header, 'ascii'), BOM, Buffer.from(msg, 'utf8')]);
}

/** Octet-counting frame `MSG-LEN SP SYSLOG-MSG` (RFC 5425 4.3, RFC 6587 3.4.1): the length in bytes, not characters. */
export function octetCountedFrame(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}

/**
 * Splits a stream of octet-counted frames: the complete messages, and the bytes of an incomplete
 * one left over for the next read. Throws on a stream that is not octet-counted.
 */
export function readOctetCountedFrames(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let at = 0;
  for (;;) {
    const space = buffer.indexOf(0x20, at);
    if (space < 0) {
      if (buffer.length - at > 10) throw new Error('syslog frame: no length prefix');
      break;
    }
    const digits = buffer.subarray(at, space).toString('ascii');
    if (!/^[1-9][0-9]{0,9}$/.test(digits)) throw new Error(`syslog frame: bad length '${digits.slice(0, 12)}'`);
    const end = space + 1 + Number(digits);
    if (end > buffer.length) break;
    messages.push(buffer.subarray(space + 1, end));
    at = end;
  }
  return { messages, rest: buffer.subarray(at) };
}

export interface ParsedSyslogMessage {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  /** MSG without its byte-order mark. */
  msg: string;
  bom: boolean;
}

/** Parses an RFC 5424 message with NILVALUE structured data (what syslogMessage writes). */
export function parseSyslogMessage(message: Buffer): ParsedSyslogMessage {
  const text = message.toString('utf8');
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\])(?: ([\s\S]*))?$/.exec(text);
  if (!m) throw new Error('not an RFC 5424 message');
  const body = m[9] ?? '';
  const bom = body.startsWith('\uFEFF');
  return {
    pri: Number(m[1]),
    version: Number(m[2]),
    timestamp: m[3]!,
    hostname: m[4]!,
    appName: m[5]!,
    procId: m[6]!,
    msgId: m[7]!,
    structuredData: m[8]!,
    msg: bom ? body.slice(1) : body,
    bom,
  };
}
