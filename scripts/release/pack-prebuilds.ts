/**
 * `npm run prebuilds -- [--out <dir>]`: the native addons this checkout compiled at `npm ci`, packed
 * as prebuild-install archives, so the release tarball installs on a machine of the same platform
 * (Linux x64, glibc, same Node major) without a compiler and without reaching GitHub.
 *
 * better-sqlite3 and dicom-dimse-native install with `prebuild-install || <compile>`. Offline,
 * prebuild-install fails and the fallback compiles SQLite (a minute or two) and DCMTK (far longer).
 * prebuild-install first looks for `<name>-v<version>-<runtime>-v<abi>-<platform>-<arch>.tar.gz` in
 * the folder named by `npm_config_<name>_local_prebuilds`; this script writes those archives:
 *
 *   npm run prebuilds -- --out release/prebuilds
 *   npm_config_better_sqlite3_local_prebuilds=$PWD/release/prebuilds \
 *   npm_config_dicom_dimse_native_local_prebuilds=$PWD/release/prebuilds \
 *   ONNXRUNTIME_NODE_INSTALL=skip npm install --omit=dev ./unimie-pacs-node-<version>.tgz
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';

const ROOT = resolve(import.meta.dirname, '../..');

/** The addons that compile at install time, and the one file each loads (bindings('<file>')). */
const ADDONS: ReadonlyArray<{ name: string; binary: string; optional: boolean }> = [
  { name: 'better-sqlite3', binary: 'build/Release/better_sqlite3.node', optional: false },
  // An optionalDependency: a checkout that could not build it has no archive to offer.
  { name: 'dicom-dimse-native', binary: 'build/Release/dcmtk.node', optional: true },
];

interface AddonPackage {
  name: string;
  version: string;
  scripts?: { install?: string };
  binary?: { napi_versions?: number[] };
}

/**
 * The archive name prebuild-install asks for (its util.js urlTemplate): `-r napi` in the install
 * script means the best N-API version the package lists that this Node supports, else the Node ABI.
 */
function prebuildArchiveName(pkg: AddonPackage): string {
  const node = process.versions;
  const napi = /(^|\s)(-r|--runtime)[ =]napi\b/.test(pkg.scripts?.install ?? '');
  let runtime = 'node';
  let abi = node.modules;
  if (napi) {
    const usable = (pkg.binary?.napi_versions ?? []).filter((v) => v <= Number(node.napi));
    if (usable.length === 0) throw new Error(`${pkg.name}: no N-API version this Node (${node.napi}) supports`);
    runtime = 'napi';
    abi = String(Math.max(...usable));
  }
  // `{platform}{libc}`: libc is empty for glibc (Debian), the only C library this release targets.
  return `${pkg.name}-v${pkg.version}-${runtime}-v${abi}-${process.platform}-${process.arch}.tar.gz`;
}

/**
 * The archive is named for the Node running this script, so the addon in it must have been
 * compiled for that Node: after switching Node (scripts/use-node.sh), node_modules may still hold
 * addons built for the previous one until `bash scripts/setup.sh` rebuilds them.
 */
function assertLoadsHere(name: string, binary: string): void {
  try {
    process.dlopen({ exports: {} }, binary);
  } catch (err) {
    if (/NODE_MODULE_VERSION/.test((err as Error).message)) {
      throw new Error(`${name}: compiled for another Node than ${process.version}; run \`bash scripts/setup.sh\` with this Node first (${(err as Error).message.replace(/\s+/g, ' ')})`);
    }
    throw err;
  }
}

function main(): void {
  const opts = new Command().option('--out <dir>', 'folder for the archives', 'release/prebuilds').parse().opts<{ out: string }>();
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  for (const addon of ADDONS) {
    const dir = join(ROOT, 'node_modules', addon.name);
    if (!existsSync(join(dir, addon.binary))) {
      if (addon.optional) {
        process.stdout.write(`${addon.name}: not built here, skipped (optional)\n`);
        continue;
      }
      throw new Error(`${addon.name}: ${addon.binary} missing; run npm ci first`);
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as AddonPackage;
    assertLoadsHere(addon.name, join(dir, addon.binary));
    const archive = join(out, prebuildArchiveName(pkg));
    // prebuild-install unpacks into the package folder and require()s the last .node entry, so the
    // archive holds exactly the one addon, at the path the package loads it from.
    execFileSync('tar', ['-czf', archive, '-C', dir, addon.binary]);
    process.stdout.write(`${archive}\n`);
  }
}

main();
