#!/usr/bin/env node
import { Command } from 'commander';
import { registerAccessCommands } from './access-commands.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerAlertsCommand } from './alerts-command.js';
import { registerAuditCommand } from './audit-command.js';
import { registerBackupCommand } from './backup-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerEnhanceCommand } from './enhance-command.js';
import { registerEvalCommand } from './eval-command.js';
import { registerHealthcheckCommand } from './healthcheck-command.js';
import { registerInitCommand } from './init-command.js';
import { registerRestoreCommand } from './restore-command.js';
import { registerSendCommand } from './send-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerRetentionCommand } from './retention-command.js';
import { registerStudiesCommand } from './studies-command.js';
import { registerWorkerCommand } from './worker-command.js';
// Every command may load node.yaml: the destination kinds it may name register with the loader here.
import '../export/destination-kinds.js';

const program = new Command()
  .name('unimie-node')
  .description('DICOM node that enhances CT, MR and endoscopy series with UniMIE diffusion and sends a derived series back')
  .option('-c, --config <dir>', 'folder with node.yaml and rules.yaml', 'config')
  .option('--json', 'machine-readable output');

registerServeCommand(program);
registerInitCommand(program);
registerHealthcheckCommand(program);
registerDemoCommand(program);
registerSendCommand(program);
registerEnhanceCommand(program);
registerEvalCommand(program);
registerAdminCommands(program);
registerAccessCommands(program);
registerAuditCommand(program);
registerAlertsCommand(program);
registerRetentionCommand(program);
registerStudiesCommand(program);
registerWorkerCommand(program);
registerBackupCommand(program);
registerRestoreCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
