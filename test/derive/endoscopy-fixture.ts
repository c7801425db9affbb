import { hashUid } from '../../src/dicom/phantom.js';
import type { Dataset } from '../../src/dicom/part10.js';
import { rgbImagePixelModule } from '../../src/dicom/image-pixel-module.js';
import { VL_ENDOSCOPIC_IMAGE_STORAGE } from '../../src/dicom/image-sop-classes.js';

/**
 * A small VL Endoscopic Image series (PS3.3 A.32.1), 8-bit RGB with a bright disc on a dark
 * background and a reddish tint, as endoscopes produce. pydicom ships no endoscopy file, so the
 * tests make their own; every attribute the IOD requires of an acquisition is present.
 */
export function endoscopySeries(count: number, rows = 48, columns = 64, seed = 1): Dataset[] {
  const study = hashUid('endoscopy', seed, 'study');
  const series = hashUid('endoscopy', seed, 'series');
  return Array.from({ length: count }, (_, i) => {
    const pixels = new Uint8Array(rows * columns * 3);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        const r = Math.hypot((x - columns / 2) / (columns / 2), (y - rows / 2) / (rows / 2));
        const v = r < 0.9 ? Math.round(200 * (1 - r * 0.6) + ((x * 7 + y * 3 + i * 11) % 20)) : 4;
        const o = (y * columns + x) * 3;
        pixels[o] = Math.min(255, v + 30);
        pixels[o + 1] = Math.round(v * 0.6);
        pixels[o + 2] = Math.round(v * 0.5);
      }
    }
    return {
      SpecificCharacterSet: 'ISO_IR 100',
      ImageType: ['ORIGINAL', 'PRIMARY'],
      SOPClassUID: VL_ENDOSCOPIC_IMAGE_STORAGE,
      SOPInstanceUID: hashUid(series, 'instance', i),
      StudyDate: '20240301',
      StudyTime: '101500',
      ContentDate: '20240301',
      ContentTime: `1016${String(i).padStart(2, '0')}`,
      AccessionNumber: 'ENDO-1',
      Modality: 'ES',
      Manufacturer: 'Synthetic Endoscope Co',
      ManufacturerModelName: 'SYN-1',
      ReferringPhysicianName: '',
      StudyDescription: 'Synthetic colonoscopy',
      SeriesDescription: 'Stills',
      PatientName: 'Endo^Synthetic',
      PatientID: `ENDO-${seed}`,
      PatientBirthDate: '',
      PatientSex: 'O',
      StudyInstanceUID: study,
      SeriesInstanceUID: series,
      StudyID: '1',
      SeriesNumber: 3,
      Laterality: '',
      InstanceNumber: i + 1,
      PatientOrientation: '',
      AcquisitionContextSequence: [],
      ...rgbImagePixelModule(columns, rows),
      LossyImageCompression: '00',
      PixelData: [pixels.buffer],
      _vrMap: { PixelData: 'OB' },
    } satisfies Dataset;
  });
}
