import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * scripts/native-abi.mjs (which addons were compiled for another Node) and scripts/use-node.sh
 * (which Node is first on PATH), each copied into a scratch checkout: they find node_modules and
 * .tools/ beside their own folder.
 */
const REPO = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'node-selection-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A checkout with scripts/<name> in it. */
function checkout(name: string, script: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'scripts'), { recursive: true });
  copyFileSync(join(REPO, 'scripts', script), join(root, 'scripts', script));
  return root;
}

/**
 * An addon that registers itself for NODE_MODULE_VERSION 1, which no Node has: what node_modules
 * holds after switching Node until its addons are rebuilt. Compiled with the C compiler that
 * setup.sh installs for the real addons.
 */
function otherAbiAddon(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const source = join(work, 'other-abi.c');
  writeFileSync(
    source,
    `struct node_module { int v; unsigned f; void *dso; const char *file; void *reg; void *ctx; const char *name; void *priv; void *link; };
extern void node_module_register(void *);
static void init(void) {}
static struct node_module m = { 1, 0, 0, "other-abi.c", (void *)init, 0, "other_abi", 0, 0 };
__attribute__((constructor)) static void load(void) { node_module_register(&m); }
`,
  );
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', file, source], { encoding: 'utf8' });
  expect(cc.status, cc.stderr).toBe(0);
}

describe('scripts/native-abi.mjs', () => {
  const root = checkout('abi', 'native-abi.mjs');
  const modules = join(root, 'node_modules');
  const stamp = join(modules, '.native-abi.json');
  const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'scripts/native-abi.mjs'), ...args], { encoding: 'utf8' });
  const stale = join(modules, '@scope/old-addon/build/Release/old.node');

  it('names the packages whose compiled addons this Node refuses for their ABI, and writes no stamp', () => {
    mkdirSync(modules, { recursive: true });
    // better-sqlite3 as setup.sh built it for this Node; its build/Release also holds an SQLite
    // extension that is no Node addon and does not count.
    symlinkSync(join(REPO, 'node_modules/better-sqlite3'), join(modules, 'better-sqlite3'));
    expect(existsSync(join(modules, 'better-sqlite3/build/Release/test_extension.node'))).toBe(true);
    otherAbiAddon(stale);
    const r = run();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe('@scope/old-addon\n');
    expect(existsSync(stamp)).toBe(false);
    const check = run('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain(`@scope/old-addon compiled for another Node, this is Node ${process.versions.node} (ABI ${process.versions.modules}): run \`bash scripts/setup.sh\``);
  });

  it('records the ABI once every addon loads, and then probes nothing while it stays the same', () => {
    rmSync(join(modules, '@scope'), { recursive: true });
    expect(run().status).toBe(0);
    expect(JSON.parse(readFileSync(stamp, 'utf8'))).toEqual({ modules: process.versions.modules, node: process.versions.node, napi: process.versions.napi });
    otherAbiAddon(stale);
    expect(run('--check').status).toBe(0);
  });

  it('probes again when the stamp names another ABI', () => {
    writeFileSync(stamp, JSON.stringify({ modules: '1', node: '0.0.1', napi: '1' }));
    const check = run('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('@scope/old-addon compiled for Node 0.0.1 (ABI 1)');
  });
});

describe('scripts/use-node.sh', () => {
  const root = checkout('use-node', 'use-node.sh');
  const major = process.versions.node.split('.')[0]!;
  /** Sources the script in bash and reports the node, PATH and nodedir it leaves. */
  const source = (arg: string) =>
    spawnSync('bash', ['-c', `source scripts/use-node.sh ${arg} || exit $?; echo "node=$(command -v node)"; echo "path=$PATH"; echo "nodedir=\${npm_config_nodedir:-}"`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, npm_config_nodedir: '' },
    });
  const field = (out: string, key: string) => out.split('\n').find((l) => l.startsWith(`${key}=`))!.slice(key.length + 1);

  it("keeps the machine's node when it is the major asked for", () => {
    const r = source(major);
    expect(r.status, r.stderr).toBe(0);
    expect(field(r.stdout, 'node')).toBe(join(dirname(process.execPath), 'node'));
    expect(field(r.stdout, 'path')).toBe(`${dirname(process.execPath)}:/usr/bin:/bin`);
    expect(field(r.stdout, 'nodedir')).toBe('');
    expect(existsSync(join(root, '.tools'))).toBe(false);
  });

  it('puts .tools/node<major> first on PATH, once, with its headers as nodedir', () => {
    const bin = join(root, '.tools/node99/bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = spawnSync('bash', ['-c', 'source scripts/use-node.sh 99 && source scripts/use-node.sh 99 && echo "path=$PATH" && echo "nodedir=$npm_config_nodedir"'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(field(r.stdout, 'path')).toBe(`${bin}:${dirname(process.execPath)}:/usr/bin:/bin`);
    expect(field(r.stdout, 'nodedir')).toBe(join(root, '.tools/node99'));
    const printed = spawnSync('bash', [join(root, 'scripts/use-node.sh'), '99'], { encoding: 'utf8' });
    expect(printed.stdout).toBe(`${bin}\n`);
  });

  it('refuses an argument that is not a major version', () => {
    const r = source('lts');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("not 'lts'");
  });
});
