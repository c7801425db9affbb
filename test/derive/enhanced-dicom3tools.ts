/**
 * What dicom3tools (2022) may say about a derived Enhanced CT/MR object, and why we accept it.
 * Anything not listed here fails the tests.
 */
export const ENHANCED_ACCEPTED: { pattern: RegExp; why: string; iod?: string }[] = [
  {
    pattern: /^Error - Unrecognized enumerated value <US> for value 1 of attribute <Rescale Type>$/,
    iod: 'EnhancedCTImage',
    why:
      'dicom3tools enumerates HU as the only Rescale Type of the CT Pixel Value Transformation macro (its own table says "#actually only if not localizer"). ' +
      'PS3.3 C.8.15.3.10 requires HU only when Frame Type value 1 is ORIGINAL and value 3 is not LOCALIZER; our frames are DERIVED and their values are not HU, so US (PS3.3 C.11.1.1.2) is what the standard asks for.',
  },
  {
    pattern: /^Warning - Unrecognized defined term <(ENHANCED|RENDERED)> for value 4 of attribute <(Image|Frame) Type>$/,
    why: 'Value 4 (Derived Pixel Contrast, PS3.3 C.8.16.1.4) has Defined Terms, which may be extended; ENHANCED / RENDERED say how the contrast was derived, as in every other output kind of this node.',
  },
  {
    pattern: /^Warning - Unrecognized defined term <.* window of the source \(values not HU\)> for value 1 of attribute <Window Center & Width Explanation>$/,
    iod: 'EnhancedCTImage',
    why: 'The explanation says which window the values were mapped into and that they are not HU; the CT Defined Terms (BRAIN, SOFT_TISSUE, …) cannot say the latter.',
  },
  {
    pattern: /^Warning - Unrecognized defined term <99UNIMIE> for value 1 of attribute <Coding Scheme Designator>$/,
    why: 'Render-only frames: the Derivation Image functional group needs a Derivation Code (Type 1) and no CID 7203 concept describes a VOI window, so the code is the private (VOI-RENDER, 99UNIMIE). Enhanced frames: classical steps CID 7203 has no concept for (stretch, gamma, local gamma, detail transfer) and the UniMIE prior are coded there too. "99" designators are the local schemes PS3.16 8.2 allows.',
  },
  {
    pattern: /^Warning - Attribute is not present in standard DICOM IOD - \(0x0018,0x1002\) UI Device UID/,
    why: 'Device UID inside the Contributing Equipment Sequence item is Type 3 in current PS3.3 Table C.12-1 (SOP Common); the dicom3tools 2022 tables predate it.',
  },
  {
    pattern: /^Warning - Dicom dataset contains attributes not present in standard DICOM IOD - this is a Standard Extended SOP Class$/,
    why: 'Consequence of the Device UID above.',
  },
];

/** Error and Warning lines of a dciodvfy run that ENHANCED_ACCEPTED does not explain for this IOD. */
export function unexplained(output: string, iod: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(Error|Warning)/.test(l))
    .filter((l) => !ENHANCED_ACCEPTED.some((a) => (a.iod === undefined || a.iod === iod) && a.pattern.test(l)));
}
