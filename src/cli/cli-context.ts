import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { openDatabase, type Db } from '../provenance/database.js';

/** The `--config` folder (node.yaml, rules.yaml). */
export function configDirOf(program: Command): string {
  return program.opts<{ config: string }>().config;
}

/** Writes `value` as JSON with `--json`, else the text. */
export function print(program: Command, value: unknown, text: () => string): void {
  process.stdout.write(program.opts<{ json?: boolean }>().json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}

/** The node's database, in the data folder the configuration names. */
export function openNodeDatabase(program: Command): Db {
  return openDatabase(join(loadConfig(configDirOf(program)).node.dataDir, 'provenance.sqlite'));
}
