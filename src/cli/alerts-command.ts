import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { sendAlert } from '../alerts/alert-channels.js';
import { testAlertPayload } from '../alerts/alert-payload.js';
import { errorMessage } from '../shared/errors.js';

export interface ChannelCheck {
  channel: string;
  kind: 'webhook' | 'smtp';
  ok: boolean;
  error?: string;
}

/** Sends one test alert through each channel (or the one named) now, once, without storing it. */
export async function sendTestAlerts(config: LoadedConfig, only?: string): Promise<ChannelCheck[]> {
  const channels = Object.values(config.alerts.channels).filter((c) => only === undefined || c.name === only);
  if (only !== undefined && channels.length === 0) throw new Error(`no alert channel "${only}" in ${config.files.node}`);
  const payload = testAlertPayload({ id: randomUUID(), node: config.node.aeTitle, host: hostname(), time: Date.now() });
  return Promise.all(
    channels.map(async (c): Promise<ChannelCheck> => {
      try {
        await sendAlert(c, payload);
        return { channel: c.name, kind: c.kind, ok: true };
      } catch (err) {
        return { channel: c.name, kind: c.kind, ok: false, error: errorMessage(err) };
      }
    }),
  );
}

/** `alerts test [--channel name]`: exit status 1 when a channel failed or none is configured. */
export function registerAlertsCommand(program: Command): void {
  program
    .command('alerts')
    .description('alert channels (alerts: in node.yaml)')
    .command('test')
    .description('send a test alert through every channel now (no retry) and say which ones took it')
    .option('--channel <name>', 'only this channel')
    .action(async (opts: { channel?: string }) => {
      const { config: dir, json } = program.opts<{ config: string; json?: boolean }>();
      const checks = await sendTestAlerts(loadConfig(dir), opts.channel);
      if (json) process.stdout.write(`${JSON.stringify(checks)}\n`);
      else if (checks.length === 0) process.stdout.write('no alert channel is configured (alerts.channels in node.yaml)\n');
      else for (const c of checks) process.stdout.write(`${c.channel} (${c.kind}): ${c.ok ? 'sent' : `failed: ${c.error}`}\n`);
      if (checks.length === 0 || checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
