/**
 * What a suite does when an optional native addon it tests (dicom-dimse-native) is missing. CI builds
 * every addon (scripts/setup.sh), so there a missing one is a failure; a developer's machine without
 * it skips that suite with a warning.
 */

/** True when CI is set to anything but empty, "0" or "false" (CI services set "true" or "1"). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

export type MissingAddonVerdict = { action: 'fail' | 'warn'; message: string };

/** The verdict for a missing addon: fail in CI, warn (the suite skips itself) elsewhere. */
export function missingAddonVerdict(addon: string, skipped: string, env: NodeJS.ProcessEnv = process.env): MissingAddonVerdict {
  const message = `${addon} is NOT installed: ${skipped} did not run. Build it from source (SKIP_LIB_ICONV_BOOTSTRAP=1 npm ci).`;
  return isCi(env) ? { action: 'fail', message: `${message} CI must build it (scripts/setup.sh).` } : { action: 'warn', message };
}

/** Throws in CI, warns elsewhere; call it from a test when the addon could not be loaded. */
export function reportMissingAddon(addon: string, skipped: string): void {
  const verdict = missingAddonVerdict(addon, skipped);
  if (verdict.action === 'fail') throw new Error(verdict.message);
  console.warn(`\n*** ${verdict.message} ***\n`);
}
