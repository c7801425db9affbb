// Are node_modules' compiled addons built for the Node that runs this? (plain Node: it runs before
// and without the dev dependencies; scripts/setup.sh and `npm test` call it)
//
//   node scripts/native-abi.mjs            prints the packages to rebuild, one a line; exit 1 if any
//   node scripts/native-abi.mjs --check    the same as a message that says how to fix it
//
// node_modules/.native-abi.json records the Node ABI (process.versions.modules) the addons were last
// seen loading with; when it matches, nothing is probed. Otherwise every `build/Release/*.node`
// under node_modules (what install scripts compile: better-sqlite3 against one Node ABI,
// dicom-dimse-native against N-API) is loaded with process.dlopen; an addon refused for its
// NODE_MODULE_VERSION names its package. Prebuilt N-API binaries shipped inside packages (sharp,
// onnxruntime-node) load on any supported Node and are not looked at.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const MODULES = join(ROOT, 'node_modules');
const STAMP = join(MODULES, '.native-abi.json');
const check = process.argv.includes('--check');
const current = { modules: process.versions.modules, node: process.versions.node, napi: process.versions.napi };

function fail(message) {
  process.stderr.write(`native-abi: ${message}\n`);
  process.exit(1);
}

if (!existsSync(MODULES)) fail('no node_modules: run `bash scripts/setup.sh`');
let stamp;
try {
  stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
} catch {
  stamp = undefined;
}
if (stamp?.modules === current.modules) process.exit(0);

/** Compiled addons: <package>/build/Release/*.node, at any depth of node_modules. */
function* addons(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isDirectory() || e.name === '.bin' || e.name === '.cache') continue;
    const pkg = join(dir, e.name);
    if (e.name.startsWith('@')) {
      yield* addons(pkg);
      continue;
    }
    const release = join(pkg, 'build', 'Release');
    if (existsSync(release)) {
      for (const f of readdirSync(release)) if (f.endsWith('.node')) yield { pkg, file: join(release, f) };
    }
    yield* addons(join(pkg, 'node_modules'));
  }
}

/** npm's name for a package folder: the path after the last node_modules/. */
const packageName = (pkg) => relative(MODULES, pkg).split(`node_modules${sep}`).pop().split(sep).join('/');

const stale = new Set();
for (const { pkg, file } of addons(MODULES)) {
  try {
    process.dlopen({ exports: {} }, file);
  } catch (err) {
    // Only the ABI check counts: better-sqlite3's build/Release also holds an SQLite extension
    // (test_extension.node) that is no Node addon at all.
    if (/NODE_MODULE_VERSION/.test(String(err?.message))) stale.add(packageName(pkg));
  }
}

if (stale.size === 0) {
  writeFileSync(STAMP, `${JSON.stringify(current)}\n`);
  process.exit(0);
}
const before = stamp ? `Node ${stamp.node} (ABI ${stamp.modules})` : 'another Node';
if (check) {
  fail(
    `${[...stale].join(', ')} compiled for ${before}, this is Node ${current.node} (ABI ${current.modules}): ` +
      'run `bash scripts/setup.sh` with this Node first on PATH (it rebuilds them)',
  );
}
process.stdout.write(`${[...stale].join('\n')}\n`);
process.exit(1);
