// Minimal typings for the parts of dcmjs the node uses (dcmjs ships none).
declare module 'dcmjs' {
  export interface DicomDictElement {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
    BulkDataURI?: string;
  }
  export type DicomDictDataset = Record<string, DicomDictElement>;
  export interface ReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }
  export class DicomDict {
    constructor(meta: DicomDictDataset);
    meta: DicomDictDataset;
    dict: DicomDictDataset;
    upsertTag(tag: string, vr: string, values: unknown[]): void;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  export const data: {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: ReadOptions): DicomDict;
    };
    DicomDict: typeof DicomDict;
    DicomMetaDictionary: {
      naturalizeDataset(dataset: DicomDictDataset): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): DicomDictDataset;
      uid(): string;
      date(): string;
      time(): string;
      dictionary: Record<string, { tag: string; vr: string; name: string; vm: string; version?: string }>;
      nameMap: Record<string, { tag: string; vr: string; name: string; vm: string }>;
      punctuateTag(rawTag: string): string;
      unpunctuateTag(tag: string): string;
    };
  };
  export const log: { setLevel(level: string): void; level?: unknown };
  const dcmjs: { data: typeof data; log: typeof log };
  export default dcmjs;
}
