import type { Command } from 'commander';
import { createLogger } from '../shared/log.js';
import { loadConfig } from '../config/load.js';
import { startNode } from '../app/node.js';
import { createEngineEnhancer } from '../pipeline/engine-enhancer.js';

/** `serve`: runs the node until SIGINT/SIGTERM; SIGHUP reloads the configuration. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the node: DICOM listeners, routing, enhancement and export')
    .action(async () => {
      const configDir = program.opts<{ config: string }>().config;
      const first = loadConfig(configDir);
      const log = createLogger({ level: first.node.logLevel, logPatientIdentifiers: first.node.logPatientIdentifiers });
      const node = await startNode({ configDir, log, createEnhancer: createEngineEnhancer });
      process.on('SIGHUP', () => {
        const r = node.reload();
        if (!r.ok) log.error({ err: r.error.message }, 'reload refused; previous config kept');
      });
      // After a clean stop the signal is raised again with its default action, the usual daemon
      // pattern: the process ends as "terminated by SIGTERM", which service managers treat as a
      // normal stop. (A plain exit() would wait for the DCMTK listener's thread, which cannot be
      // stopped, for minutes.)
      const shutdown = (signal: NodeJS.Signals): void => {
        log.info({ signal }, 'shutting down');
        node.stop().then(
          () =>
            log.flush(() => {
              process.removeAllListeners(signal);
              process.kill(process.pid, signal);
              setTimeout(() => process.exit(0), 1000).unref();
            }),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
