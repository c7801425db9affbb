/**
 * `npm run build`: a complete dist/ that runs with `node` alone (no tsx, no src/).
 *   1. removes dist/, so a module deleted from src/ cannot linger in a release;
 *   2. compiles src/ with tsconfig.build.json (tests left out);
 *   3. copies the files the built code reads beside itself at run time (RUNTIME_ASSETS);
 *   4. makes the package.json "bin" entries executable (npm pack keeps the mode, so the CLI runs
 *      straight from an unpacked release, e.g. as a systemd ExecStart).
 * Files the node reads from the package root (config/, model/embedded/, eval/results/contribution.json)
 * are not copied: dist/<folder>/x.js and src/<folder>/x.ts sit at the same depth, so their
 * `new URL('../../…', import.meta.url)` finds the same root file; package.json "files" ships them.
 *   npx tsx scripts/release/build-dist.ts
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist');

/**
 * Folders under src/ that the code reads at run time relative to its own module (found by
 * `import.meta.url` / `import.meta.dirname` in src/). The eval sets (src/eval/fixtures) are not
 * here: `eval` runs from a checkout, beside sample-studies/ and the Python baselines.
 */
const RUNTIME_ASSETS: ReadonlyArray<{ from: string; skip?: readonly string[] }> = [
  // The dashboard: plain ES modules, HTML and CSS, served as they are (dashboard-routes.ts).
  // Its tsconfig.json only type-checks them in the repository.
  { from: 'src/api/dashboard/public', skip: ['tsconfig.json'] },
];

function main(): void {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  for (const asset of RUNTIME_ASSETS) {
    const from = join(ROOT, asset.from);
    if (!existsSync(from)) throw new Error(`runtime asset folder ${asset.from} is missing`);
    const to = join(DIST, asset.from.replace(/^src\//, ''));
    cpSync(from, to, { recursive: true, filter: (file) => !(asset.skip ?? []).includes(basename(file)) });
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  for (const bin of Object.values(pkg.bin ?? {})) chmodSync(join(ROOT, bin), 0o755);
  process.stdout.write(`dist/ built: ${RUNTIME_ASSETS.length} asset folder(s) copied\n`);
}

main();
