import { describe, expect, it } from 'vitest';
import { AUDIT_MSGID, octetCountedFrame, parseSyslogMessage, readOctetCountedFrames, syslogMessage, type SyslogHeader } from './syslog-message.js';

const HEADER: SyslogHeader = {
  facility: 10,
  severity: 5,
  timestamp: new Date(Date.UTC(2026, 11, 6, 15, 0, 0, 5)),
  hostname: 'pacs-node-1',
  appName: 'pacs-node',
  procId: '4242',
  msgId: AUDIT_MSGID,
};

describe('RFC 5424 syslog message', () => {
  it('PRI is facility * 8 + severity, VERSION 1, no structured data, MSG starts with the UTF-8 BOM', () => {
    const m = syslogMessage(HEADER, '<AuditMessage/>');
    const header = '<85>1 2026-12-06T15:00:00.005Z pacs-node-1 pacs-node 4242 IHE+RFC-3881 - ';
    expect(m.subarray(0, header.length).toString('ascii')).toBe(header);
    expect([...m.subarray(header.length, header.length + 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(m.subarray(header.length + 3).toString('utf8')).toBe('<AuditMessage/>');
    expect(syslogMessage({ ...HEADER, facility: 13, severity: 4 }, 'x').toString('ascii', 0, 5)).toBe('<108>');
  });

  it('header fields are printable ASCII without spaces, cut to their RFC 5424 lengths, "-" when empty', () => {
    const m = parseSyslogMessage(syslogMessage({ ...HEADER, hostname: 'my host ü', appName: 'a'.repeat(60), procId: '' }, 'x'));
    expect([m.hostname, m.appName.length, m.procId]).toEqual(['myhost', 48, '-']);
  });

  it('refuses a facility or severity out of range', () => {
    expect(() => syslogMessage({ ...HEADER, facility: 24 }, 'x')).toThrow(RangeError);
    expect(() => syslogMessage({ ...HEADER, severity: 8 }, 'x')).toThrow(RangeError);
  });

  it('parses back what it writes', () => {
    const m = parseSyslogMessage(syslogMessage(HEADER, 'Grüße <x/>'));
    expect(m).toEqual({ pri: 85, version: 1, timestamp: '2026-12-06T15:00:00.005Z', hostname: 'pacs-node-1', appName: 'pacs-node', procId: '4242', msgId: 'IHE+RFC-3881', structuredData: '-', msg: 'Grüße <x/>', bom: true });
  });
});

describe('octet-counting frames (RFC 5425 4.3, RFC 6587 3.4.1)', () => {
  it('the length counts bytes, not characters', () => {
    const msg = Buffer.from('é', 'utf8');
    expect(octetCountedFrame(msg).toString('utf8')).toBe('2 é');
  });

  it('splits a stream into messages and keeps an incomplete frame for the next read', () => {
    const a = syslogMessage(HEADER, 'first ü');
    const b = syslogMessage(HEADER, 'second');
    const stream = Buffer.concat([octetCountedFrame(a), octetCountedFrame(b)]);
    const cut = stream.length - 5;
    const first = readOctetCountedFrames(stream.subarray(0, cut));
    expect(first.messages.map((m) => parseSyslogMessage(m).msg)).toEqual(['first ü']);
    const second = readOctetCountedFrames(Buffer.concat([first.rest, stream.subarray(cut)]));
    expect(second.messages.map((m) => parseSyslogMessage(m).msg)).toEqual(['second']);
    expect(second.rest.length).toBe(0);
  });

  it('a length split across reads waits; a stream without length prefixes is refused', () => {
    expect(readOctetCountedFrames(Buffer.from('12'))).toEqual({ messages: [], rest: Buffer.from('12') });
    expect(() => readOctetCountedFrames(Buffer.from('<85>1 2026-12-06T15:00:00Z h a p m - x\n'))).toThrow(/bad length/);
    expect(() => readOctetCountedFrames(Buffer.from('<85>1-no-space-at-all'))).toThrow(/no length prefix/);
  });
});
