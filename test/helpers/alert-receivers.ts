/** Receivers for alert tests: a webhook endpoint and an SMTP server, on 127.0.0.1 and a free port. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';

export interface WebhookRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  requests: WebhookRequest[];
  /** Bodies of the requests answered 2xx, parsed. */
  delivered(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Answers `statuses` in order (then 200), or `status()` per request. */
export async function startWebhookReceiver(o: { statuses?: number[]; status?: (req: WebhookRequest) => number } = {}): Promise<WebhookReceiver> {
  const queue = [...(o.statuses ?? [])];
  const requests: WebhookRequest[] = [];
  const answered: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      const status = o.status?.(r) ?? queue.shift() ?? 200;
      answered.push(status);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/alerts/7f3e9d`,
    requests,
    delivered: () => requests.filter((_, i) => answered[i]! < 300).map((r) => JSON.parse(r.body) as Record<string, unknown>),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user?: string;
  secure: boolean;
  /** Headers unfolded, keyed in lower case. */
  headers: Record<string, string>;
  /** The body, quoted-printable decoded. */
  text: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  /** Logins refused (wrong user or password). */
  refusedLogins: number;
  stop(): Promise<void>;
}

/**
 * An SMTP server (smtp-server) that keeps every mail. With `auth`, only that user and password
 * may send; with `tls` (PEM key and certificate), it offers STARTTLS, else it does not.
 */
export async function startSmtpReceiver(o: { auth?: { user: string; password: string }; tls?: { key: string; cert: string } } = {}): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const receiver: SmtpReceiver = { port: 0, mails, refusedLogins: 0, stop: async () => undefined };
  const server = new SMTPServer({
    logger: false,
    authOptional: !o.auth,
    allowInsecureAuth: true,
    disabledCommands: o.tls ? [] : ['STARTTLS'],
    ...(o.tls ? { key: o.tls.key, cert: o.tls.cert } : {}),
    onAuth(auth, _session, callback) {
      if (o.auth && auth.username === o.auth.user && auth.password === o.auth.password) return callback(null, { user: auth.username });
      receiver.refusedLogins++;
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.indexOf('\r\n\r\n');
        const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
        const headers: Record<string, string> = {};
        for (const line of head.split('\r\n')) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
        }
        let text = raw.slice(split + 4);
        if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
          text = Buffer.from(text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          ...(session.user ? { user: String(session.user) } : {}),
          secure: session.secure,
          headers,
          text: text.replace(/\r\n/g, '\n'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  receiver.port = typeof address === 'object' && address ? address.port : 0;
  receiver.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) as text; blanks between two words go. */
function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
}
