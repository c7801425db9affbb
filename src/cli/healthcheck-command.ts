import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, rootCertificates } from 'node:tls';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config/load.js';

const seconds = (v: string): number => {
  const n = Number(v);
  if (!(n >= 0)) throw new InvalidArgumentError('expected a number of seconds');
  return n;
};

/** The address a local probe reaches the API at: a wildcard bind is reached through loopback; https when api.tls is set. */
export function healthUrl(api: { host: string; port: number; tls?: unknown }): string {
  const host = healthHost(api.host);
  return `${api.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${api.port}/healthz`;
}

/** How an https probe decides to trust the API. */
export interface ProbeTrust {
  /** Trust anchors besides the public CAs (PEM): api.tls.ca, or the certificate itself when self-signed. */
  ca?: string[];
  /**
   * Check the certificate's name against the URL's host (default). The configured probe reaches
   * the API at the address it binds, which a certificate for the site's host name does not list:
   * for an IP address it checks the chain only.
   */
  checkName?: boolean;
}

/** One GET with a deadline: undefined when it answered 200, else why not. */
export function probe(url: string, timeoutMs: number, trust: ProbeTrust = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const https = url.startsWith('https:');
    const options = https
      ? {
          ca: [...rootCertificates, ...(trust.ca ?? [])],
          ...(trust.checkName === false ? { checkServerIdentity: () => undefined } : { checkServerIdentity }),
        }
      : {};
    const req = (https ? httpsRequest : httpRequest)(url, { ...options, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'TimeoutError' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.name));
    req.end();
  });
}

/** What the configured API's probe trusts: its CA and its own certificate, names unchecked for an IP address. */
function configuredTrust(api: { host: string; tls?: { cert: string; ca?: string } }): ProbeTrust {
  if (!api.tls) return {};
  return { ca: [...(api.tls.ca ? [api.tls.ca] : []), api.tls.cert], checkName: isIP(healthHost(api.host)) === 0 };
}

function healthHost(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
}

/**
 * `healthcheck [--wait s] [--timeout s]`: exits 0 when the node's /healthz answers 200, else 1.
 * The API starts last (after the database, the enhancer and every DICOM listener), so an answer
 * means the node is up. `--wait` keeps asking until then: the service manager's readiness step
 * (systemd ExecStartPost, Docker HEALTHCHECK) and its watchdog, since Node cannot speak sd_notify's
 * datagram socket without a native addon.
 */
export function registerHealthcheckCommand(program: Command): void {
  program
    .command('healthcheck')
    .description("exit 0 when the node's /healthz answers (for systemd, Docker and monitoring)")
    .option('--url <url>', 'probe this address instead of the configured API (…/healthz)')
    .option('--ca <file>', 'with --url https://…: also trust this CA (PEM)')
    .option('--wait <seconds>', 'keep trying this long before giving up', seconds, 0)
    .option('--timeout <seconds>', 'time allowed for one answer', seconds, 5)
    .action(async (opts: { url?: string; ca?: string; wait: number; timeout: number }) => {
      const api = opts.url ? undefined : loadConfig(program.opts<{ config: string }>().config).api;
      const url = opts.url ?? healthUrl(api!);
      const trust = api ? configuredTrust(api) : { ca: opts.ca ? [readFileSync(opts.ca, 'utf8')] : [] };
      const deadline = Date.now() + opts.wait * 1000;
      for (;;) {
        const problem = await probe(url, opts.timeout * 1000, trust);
        if (problem === undefined) {
          process.stdout.write(`ok: ${url}\n`);
          return;
        }
        if (Date.now() >= deadline) {
          process.stderr.write(`unhealthy: ${url}: ${problem}\n`);
          process.exitCode = 1;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))));
      }
    });
}
