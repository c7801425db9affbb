/**
 * Sample files that tests read from Debian packages instead of keeping copies in the repository:
 * pydicom's test and charset files (python3-pydicom), found once. A missing package or file throws
 * with the package to install, so a test fails with what to do instead of ENOENT on a bare path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Debian package shipping pydicom and its sample files (pydicom 2.x bundles them in `pydicom/data`). */
export const PYDICOM_PACKAGE = 'python3-pydicom';

/** Where Debian's python3-pydicom puts the data folder; asking python3 is the fallback. */
const KNOWN_PYDICOM_DATA = ['/usr/lib/python3/dist-packages/pydicom/data'];

const install = (pkg: string): string =>
  `install the Debian package ${pkg} (apt-get install -y --no-install-recommends ${pkg}; scripts/setup-test-peers.sh lists it)`;

let pydicomDataDir: string | undefined;

function locatePydicomData(): string {
  const known = KNOWN_PYDICOM_DATA.find((dir) => existsSync(join(dir, 'test_files')));
  if (known) return known;
  try {
    const dir = execFileSync('/usr/bin/python3', ['-c', 'import os, pydicom.data; print(os.path.dirname(pydicom.data.__file__))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (existsSync(join(dir, 'test_files'))) return dir;
  } catch {
    // No python3 or no pydicom: reported below.
  }
  throw new Error(`pydicom's sample files were not found (looked in ${KNOWN_PYDICOM_DATA.join(', ')} and asked python3): ${install(PYDICOM_PACKAGE)}`);
}

/**
 * A path under pydicom's data folder (`test_files`, `charset_files`, `test_files/CT_small.dcm` …),
 * checked to exist.
 */
export function pydicomData(...segments: string[]): string {
  pydicomDataDir ??= locatePydicomData();
  const path = join(pydicomDataDir, ...segments);
  if (!existsSync(path)) throw new Error(`pydicom sample ${segments.join('/')} is missing (${path}): ${install(PYDICOM_PACKAGE)}, version 2.x`);
  return path;
}

/** One of pydicom's test files, e.g. `pydicomTestFile('CT_small.dcm')`. */
export function pydicomTestFile(name: string): string {
  return pydicomData('test_files', name);
}
