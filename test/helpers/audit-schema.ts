import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The DICOM Audit Message schema (PS3.15 A.5.1.1) in RELAX NG XML syntax; test/fixtures/audit/ says where it came from. */
export const AUDIT_SCHEMA_RNG = join(import.meta.dirname, '../fixtures/audit/dicom-audit-message.rng');

/** Validates one audit message with Debian's xmllint (libxml2-utils) against the PS3.15 schema. */
export function validateAuditMessage(xml: string): { valid: boolean; errors: string } {
  const r = spawnSync('xmllint', ['--noout', '--relaxng', AUDIT_SCHEMA_RNG, '-'], { input: xml, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { valid: r.status === 0, errors: r.stderr.trim() };
}
