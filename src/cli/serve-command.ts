import type { Command } from 'commander';
import { createLogger } from '../shared/log.js';
import { loadConfig } from '../config/load.js';
import { startNode } from '../app/node.js';
import { createEngineEnhancer } from '../app/engine-enhancer.js';

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
      const shutdown = (signal: string): void => {
        log.info({ signal }, 'shutting down');
        node.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
