import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePart10 } from '../../src/dicom/part10.js';

export const VIDEO_ENDOSCOPIC = '1.2.840.10008.5.1.4.1.1.77.1.1.1';

/**
 * A Video Endoscopic Image object in a video transfer syntax, written to `dir`. Not a real
 * elementary stream: the node never looks inside. `root` keeps the UIDs of different test files apart.
 */
export function videoObject(dir: string, ts: string, n: number, root: string, patient: { id: string; name: string }): { path: string; sopInstanceUid: string } {
  const uid = (suffix: string | number) => `1.2.826.0.1.3680043.10.${root}.${process.pid}.${suffix}`;
  const sopInstanceUid = uid(n);
  const stream = new Uint8Array(4000).map((_, i) => (i * 37 + n) & 0xff);
  stream.set([0x00, 0x00, 0x00, 0x01, 0x67]);
  const dataset = {
    SOPClassUID: VIDEO_ENDOSCOPIC,
    SOPInstanceUID: sopInstanceUid,
    StudyInstanceUID: uid(1),
    SeriesInstanceUID: uid(2),
    Modality: 'ES',
    PatientID: patient.id,
    PatientName: patient.name,
    Rows: 480,
    Columns: 640,
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'YBR_PARTIAL_420',
    PlanarConfiguration: 0,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    NumberOfFrames: 25,
    FrameTime: 40,
    PixelData: [stream.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const path = join(dir, `video-${n}.dcm`);
  writeFileSync(path, writePart10(dataset, { transferSyntaxUid: ts }));
  return { path, sopInstanceUid };
}
