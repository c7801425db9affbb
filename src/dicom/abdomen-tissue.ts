/**
 * Tissue classes of the upper-abdomen sample anatomy and their unenhanced CT numbers.
 * Clinical assumption: values from standard non-contrast abdominal CT tables at 120 kVp
 * (fat −100…−110, muscle ≈ 50, liver 55–65 and brighter than spleen, kidney ≈ 30, blood ≈ 40,
 * bile and simple cysts 0–15); the hypodense lesion is 20 HU below liver, a low-contrast target
 * that noise of 30–50 HU σ hides.
 */

export const Tissue = {
  Air: 0,
  TableShell: 1,
  TableCore: 2,
  Skin: 3,
  Fat: 4,
  Muscle: 5,
  Liver: 6,
  HepaticVessel: 7,
  Cyst: 8,
  Lesion: 9,
  Bile: 10,
  Spleen: 11,
  Kidney: 12,
  SinusFat: 13,
  Urine: 14,
  Stone: 15,
  Pancreas: 16,
  Blood: 17,
  Calcification: 18,
  Cortical: 19,
  Trabecular: 20,
  Disc: 21,
  Csf: 22,
  Lung: 23,
  Gas: 24,
  GutWall: 25,
  GastricFluid: 26,
  Stool: 27,
  Cartilage: 28,
  Adrenal: 29,
} as const;

export type Tissue = (typeof Tissue)[keyof typeof Tissue];

/** Mean CT number and texture: σ (HU) of a smooth random field of the given scale (mm). */
export interface TissueCt {
  hu: number;
  textureHu: number;
  textureMm: number;
}

/** CT appearance of every tissue class, indexed by its number. */
export const TISSUE_CT: Readonly<Record<Tissue, TissueCt>> = {
  [Tissue.Air]: { hu: -1000, textureHu: 0, textureMm: 1 },
  [Tissue.TableShell]: { hu: 250, textureHu: 0, textureMm: 1 },
  [Tissue.TableCore]: { hu: -880, textureHu: 0, textureMm: 1 },
  [Tissue.Skin]: { hu: 35, textureHu: 4, textureMm: 1 },
  [Tissue.Fat]: { hu: -104, textureHu: 7, textureMm: 2 },
  [Tissue.Muscle]: { hu: 52, textureHu: 5, textureMm: 1.5 },
  [Tissue.Liver]: { hu: 62, textureHu: 3, textureMm: 3 },
  [Tissue.HepaticVessel]: { hu: 38, textureHu: 1, textureMm: 2 },
  [Tissue.Cyst]: { hu: 8, textureHu: 1, textureMm: 2 },
  [Tissue.Lesion]: { hu: 42, textureHu: 3, textureMm: 2 },
  [Tissue.Bile]: { hu: 10, textureHu: 1, textureMm: 2 },
  [Tissue.Spleen]: { hu: 47, textureHu: 3, textureMm: 3 },
  [Tissue.Kidney]: { hu: 32, textureHu: 3, textureMm: 2 },
  [Tissue.SinusFat]: { hu: -75, textureHu: 10, textureMm: 1.5 },
  [Tissue.Urine]: { hu: 6, textureHu: 1, textureMm: 2 },
  [Tissue.Stone]: { hu: 950, textureHu: 40, textureMm: 1 },
  [Tissue.Pancreas]: { hu: 40, textureHu: 10, textureMm: 1 },
  [Tissue.Blood]: { hu: 42, textureHu: 1, textureMm: 2 },
  [Tissue.Calcification]: { hu: 600, textureHu: 80, textureMm: 1 },
  [Tissue.Cortical]: { hu: 850, textureHu: 90, textureMm: 1 },
  [Tissue.Trabecular]: { hu: 210, textureHu: 45, textureMm: 0.9 },
  [Tissue.Disc]: { hu: 85, textureHu: 6, textureMm: 2 },
  [Tissue.Csf]: { hu: 10, textureHu: 2, textureMm: 2 },
  [Tissue.Lung]: { hu: -860, textureHu: 25, textureMm: 1.5 },
  [Tissue.Gas]: { hu: -995, textureHu: 2, textureMm: 2 },
  [Tissue.GutWall]: { hu: 48, textureHu: 4, textureMm: 1.5 },
  [Tissue.GastricFluid]: { hu: 14, textureHu: 2, textureMm: 3 },
  [Tissue.Stool]: { hu: -120, textureHu: 170, textureMm: 1.5 },
  [Tissue.Cartilage]: { hu: 130, textureHu: 15, textureMm: 1.5 },
  [Tissue.Adrenal]: { hu: 30, textureHu: 3, textureMm: 1 },
};
