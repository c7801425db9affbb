/**
 * Run by `npm pack` (prepack): writes npm-shrinkwrap.json from package-lock.json, so the release
 * tarball installs exactly the dependency versions this checkout was tested with (npm honours a
 * published package's shrinkwrap; a package-lock.json is never packed). postpack removes it.
 *
 * One change to the lock: every registry package gets its `resolved` tarball address (the lock has
 * none where npm's omit-lockfile-registry-resolved is set). With `resolved` and `integrity`,
 * `npm ci --offline` takes each tarball from the npm cache; without them npm asks the registry
 * for each package's metadata first. npm rewrites the registry.npmjs.org host to the configured
 * registry (replace-registry-host), so a site mirror still works. Dev packages stay listed (npm ci
 * checks the lock against every dependency in package.json) and --omit=dev skips them.
 *   npx tsx scripts/release/write-shrinkwrap.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const REGISTRY = 'https://registry.npmjs.org';

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  [key: string]: unknown;
}

interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
  [key: string]: unknown;
}

/** The package name an entry at `node_modules/a/node_modules/@s/b` installs (`@s/b`), unless aliased. */
function packageName(path: string, entry: LockEntry): string {
  if (entry.name) return entry.name;
  const at = path.lastIndexOf('node_modules/');
  return path.slice(at + 'node_modules/'.length);
}

/** The lock as a shrinkwrap: each registry package with its tarball address. */
function shrinkwrapOf(lock: Lockfile): Lockfile {
  if (lock.lockfileVersion < 2) throw new Error(`package-lock.json version ${lock.lockfileVersion}: run npm install with npm >= 7 first`);
  const packages: Record<string, LockEntry> = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link || entry.resolved || !entry.version || !entry.integrity) {
      packages[path] = entry;
      continue;
    }
    const name = packageName(path, entry);
    const base = name.startsWith('@') ? name.split('/')[1]! : name;
    packages[path] = { version: entry.version, resolved: `${REGISTRY}/${name}/-/${base}-${entry.version}.tgz`, ...entry };
  }
  return { ...lock, packages };
}

function main(): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  writeFileSync(join(ROOT, 'npm-shrinkwrap.json'), `${JSON.stringify(shrinkwrapOf(lock), null, 2)}\n`);
}

main();
