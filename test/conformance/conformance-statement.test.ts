import { BASIC_TEXT_SR_STORAGE } from '../../src/derive/enhancement-report-sr.js';
import { STUDY_ROOT_FIND } from '../../src/net/dcmjs-dimse-scu.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRANSFER_SYNTAX_CHOICES } from '../../src/export/destinations/dimse.js';
import { outputKindNames } from '../../src/config/rules-schema.js';
import { CT_IMAGE_STORAGE, ENHANCED_CT_IMAGE_STORAGE, ENHANCED_MR_IMAGE_STORAGE, MR_IMAGE_STORAGE, VL_ENDOSCOPIC_IMAGE_STORAGE } from '../../src/dicom/image-sop-classes.js';
import { MF_TRUE_COLOR_SC_STORAGE } from '../../src/derive/mf-sc-image.js';
import { SC_IMAGE_STORAGE } from '../../src/derive/sc-image.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../../src/dicom/implementation.js';
import { ACCEPTED_TRANSFER_SYNTAXES, canDecodePixels, STORED_ONLY_TRANSFER_SYNTAXES, transferSyntaxName } from '../../src/dicom/transfer-syntax.js';
import { exportProposal } from '../../src/export/encode-transfer-syntax.js';
import { STORAGE_SOP_CLASSES } from '../../src/dicom/storage-sop-classes.js';
import { NATIVE_LISTENER_TRANSFER_SYNTAXES } from '../../src/net/dimse-native-transfer-syntaxes.js';

/**
 * dicom/conformance-statement.md against the code: the tables marked "Checked" must say exactly
 * what the node does (accepted and decoded transfer syntaxes, the export proposal, SOP classes).
 */
const STATEMENT = readFileSync(new URL('../../dicom/conformance-statement.md', import.meta.url), 'utf8');
const VERIFICATION = '1.2.840.10008.1.1';

/** Body rows (cells trimmed, backticks dropped) of the first table after the heading that starts with `heading`. */
function tableAfter(heading: string): string[][] {
  const lines = STATEMENT.split('\n');
  const at = lines.findIndex((l) => /^#{1,6} /.test(l) && l.replace(/^#+ /, '').startsWith(heading));
  if (at < 0) throw new Error(`no heading "${heading}" in the conformance statement`);
  let i = at + 1;
  while (i < lines.length && !lines[i].trimStart().startsWith('|')) {
    if (/^#{1,6} /.test(lines[i])) throw new Error(`no table under "${heading}"`);
    i++;
  }
  const rows: string[][] = [];
  for (; i < lines.length && lines[i].trimStart().startsWith('|'); i++) {
    rows.push(
      lines[i]
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((c) => c.trim().replace(/`/g, '')),
    );
  }
  return rows.slice(2); // header + separator
}

describe('conformance statement ↔ code', () => {
  it('2.2.4: the accepted transfer syntaxes, in the order of the code, with their PS3.6 names', () => {
    const rows = tableAfter('2.2.4');
    expect(rows.map((r) => r[1])).toEqual([...ACCEPTED_TRANSFER_SYNTAXES]);
    for (const [name, uid] of rows) expect(name, uid).toBe(transferSyntaxName(uid));
  });

  it('2.2.4: "decoded" exactly where the render stage decodes, "stored, not processed" for the rest', () => {
    for (const [, uid, pixels] of tableAfter('2.2.4')) {
      expect(pixels, uid).toBe(canDecodePixels(uid) ? 'decoded' : 'stored, not processed');
    }
    const storedOnly = tableAfter('2.2.4').filter((r) => r[2] === 'stored, not processed').map((r) => r[1]);
    expect(storedOnly.sort()).toEqual([...STORED_ONLY_TRANSFER_SYNTAXES].sort());
  });

  it('2.2.4: the dicom-dimse-native column says "accepted" exactly for the addon\'s compiled-in list', () => {
    const rows = tableAfter('2.2.4');
    for (const [, uid, , native] of rows) expect(native, uid).toBe(NATIVE_LISTENER_TRANSFER_SYNTAXES.includes(uid) ? 'accepted' : 'refused');
    // The native listener accepts nothing the default transport does not.
    expect(NATIVE_LISTENER_TRANSFER_SYNTAXES.filter((ts) => !rows.some((r) => r[1] === ts))).toEqual([]);
  });

  it('2.2.6: the proposal for every destination transferSyntax choice, in order', () => {
    const rows = tableAfter('2.2.6');
    expect(rows.map((r) => r[0])).toEqual([...TRANSFER_SYNTAX_CHOICES]);
    for (const [choice, proposed] of rows) {
      expect(proposed.split(',').map((s) => s.trim()), choice).toEqual(exportProposal(choice as (typeof TRANSFER_SYNTAX_CHOICES)[number]));
    }
  });

  it('2.2.7: the SOP classes sent are Verification, the in-doubt C-FIND and the derived builders’ classes, one per output kind, and the enhancement report', () => {
    const rows = tableAfter('2.2.7');
    const uids = rows.map((r) => r[1]);
    expect(uids.sort()).toEqual(
      [
        VERIFICATION,
        STUDY_ROOT_FIND,
        SC_IMAGE_STORAGE,
        MF_TRUE_COLOR_SC_STORAGE,
        CT_IMAGE_STORAGE,
        MR_IMAGE_STORAGE,
        ENHANCED_CT_IMAGE_STORAGE,
        ENHANCED_MR_IMAGE_STORAGE,
        VL_ENDOSCOPIC_IMAGE_STORAGE,
        BASIC_TEXT_SR_STORAGE,
      ].sort(),
    );
    const kinds = new Set(rows.flatMap((r) => [...r[2].matchAll(/output ([a-z-]+)/g)].map((m) => m[1])));
    expect([...kinds].sort()).toEqual(outputKindNames().sort());
    for (const uid of uids) if (uid !== VERIFICATION && uid !== STUDY_ROOT_FIND) expect(STORAGE_SOP_CLASSES.has(uid), uid).toBe(true);
  });

  it('2.2.8: every Storage SOP class the SCP accepts, no more, no less, with its name', () => {
    const rows = tableAfter('2.2.8');
    expect(rows.length).toBe(STORAGE_SOP_CLASSES.size);
    for (const [name, uid] of rows) expect(STORAGE_SOP_CLASSES.get(uid), uid).toBe(name);
  });

  it('2.2.2: the implementation identification of src/dicom/implementation.ts', () => {
    const rows = Object.fromEntries(tableAfter('2.2.2').map((r) => [r[0], r[1]]));
    expect(rows['Implementation Class UID']).toBe(IMPLEMENTATION_CLASS_UID);
    expect(rows['Implementation Version Name']).toBe(IMPLEMENTATION_VERSION_NAME);
    expect(rows['Application context name']).toBe('1.2.840.10008.3.1.1.1');
  });

  it('1: the overview names Verification as SCU and SCP', () => {
    const verification = tableAfter('1. Conformance statement overview').find((r) => r[0] === 'Verification');
    expect(verification?.[1]).toBe(VERIFICATION);
    expect(verification?.[2]).toMatch(/^yes/);
    expect(verification?.[3]).toMatch(/^yes/);
  });
});
