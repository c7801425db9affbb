import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config/load.js';

const seconds = (v: string): number => {
  const n = Number(v);
  if (!(n >= 0)) throw new InvalidArgumentError('expected a number of seconds');
  return n;
};

/** The address a local probe reaches the API at: a wildcard bind is reached through loopback. */
export function healthUrl(api: { host: string; port: number }): string {
  const host = api.host === '0.0.0.0' ? '127.0.0.1' : api.host === '::' ? '::1' : api.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${api.port}/healthz`;
}

/** One GET with a deadline: undefined when it answered 200, else why not. */
async function probe(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return cause ?? (err as Error).name;
  }
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
    .option('--wait <seconds>', 'keep trying this long before giving up', seconds, 0)
    .option('--timeout <seconds>', 'time allowed for one answer', seconds, 5)
    .action(async (opts: { url?: string; wait: number; timeout: number }) => {
      const url = opts.url ?? healthUrl(loadConfig(program.opts<{ config: string }>().config).api);
      const deadline = Date.now() + opts.wait * 1000;
      for (;;) {
        const problem = await probe(url, opts.timeout * 1000);
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
