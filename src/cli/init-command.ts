import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parseConfig } from '../config/load.js';
import { siteNodeYaml } from '../config/site-config.js';

/** The config/ shipped beside src/ (checkout) or dist/ (release): the template `init` copies. */
export const SHIPPED_CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

/**
 * `init <dir> --data-dir <dir>`: a site config folder (e.g. /etc/unimie-node) from the shipped
 * config: node.yaml with absolute paths (data folder, outbox, the shipped model), rules.yaml and
 * both JSON schemas as shipped. Validated before anything is written; refuses to overwrite.
 */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a site config folder (node.yaml, rules.yaml) from the shipped defaults, with absolute paths')
    .argument('<dir>', 'config folder to create, e.g. /etc/unimie-node')
    .requiredOption('--data-dir <dir>', 'data folder for the spool, database and outbox, e.g. /var/lib/unimie-node')
    .option('--bind <address>', 'address for the DICOM listeners and the API (default: as shipped, 127.0.0.1)')
    .option('--force', 'overwrite node.yaml and rules.yaml if present')
    .action((dir: string, opts: { dataDir: string; bind?: string; force?: boolean }) => {
      const target = resolve(dir);
      const files = { node: join(target, 'node.yaml'), rules: join(target, 'rules.yaml') };
      for (const f of Object.values(files)) {
        if (existsSync(f) && !opts.force) throw new Error(`${f} exists (--force overwrites it)`);
      }
      const nodeText = siteNodeYaml(readFileSync(join(SHIPPED_CONFIG_DIR, 'node.yaml'), 'utf8'), {
        templateDir: SHIPPED_CONFIG_DIR,
        dataDir: resolve(opts.dataDir),
        ...(opts.bind ? { bind: opts.bind } : {}),
      });
      const rulesText = readFileSync(join(SHIPPED_CONFIG_DIR, 'rules.yaml'), 'utf8');
      const config = parseConfig({ node: { file: files.node, text: nodeText }, rules: { file: files.rules, text: rulesText } });

      mkdirSync(target, { recursive: true });
      writeFileSync(files.node, nodeText);
      writeFileSync(files.rules, rulesText);
      for (const schema of ['node.schema.json', 'rules.schema.json']) copyFileSync(join(SHIPPED_CONFIG_DIR, schema), join(target, schema));

      const out = program.opts<{ json?: boolean }>().json
        ? JSON.stringify({ ok: true, files, dataDir: config.node.dataDir, listeners: config.listeners.map((l) => `${l.host}:${l.port}`), api: `${config.api.host}:${config.api.port}` }, null, 2)
        : [
            `wrote ${files.node} and ${files.rules}`,
            `data folder ${config.node.dataDir}`,
            ...config.listeners.map((l) => `listener ${l.name}: ${l.aeTitle}@${l.host}:${l.port}, allows ${l.allow.map((a) => `${a.aeTitle}${a.hosts ? ` from ${a.hosts.join(', ')}` : ''}`).join('; ')}`),
            `API ${config.api.host}:${config.api.port}`,
            'next: edit the allow lists and destinations, then `unimie-node --config ' + target + ' config check`',
          ].join('\n');
      process.stdout.write(`${out}\n`);
    });
}
