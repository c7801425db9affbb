import { ConfigError } from '../shared/errors.js';

/** The part of dicom-dimse-native 2.6 the adapters use (JSON options in, JSON strings out). */
export interface NativeNode {
  aet: string;
  ip: string;
  port: number;
}

export interface DimseNativeModule {
  echoScu(options: { source: NativeNode; target: NativeNode; verbose?: boolean }, callback: (result: string) => void): void;
  storeScu(
    options: { source: NativeNode; target: NativeNode; sourcePath: string; verbose?: boolean },
    callback: (result: string) => void,
  ): void;
  startStoreScp(
    options: {
      source: NativeNode;
      peers: NativeNode[];
      storagePath: string;
      storeOnly?: boolean;
      writeFile?: boolean;
      permissive?: boolean;
      verbose?: boolean;
    },
    callback: (result: string) => void,
  ): void;
}

/** One JSON message from the addon: `status` is pending (progress), success or failure (final). */
export interface NativeMessage {
  code: number;
  status: 'pending' | 'success' | 'failure';
  message: string;
  container: Record<string, unknown> | null;
}

export function parseNativeMessage(raw: string): NativeMessage {
  try {
    return JSON.parse(raw) as NativeMessage;
  } catch {
    return { code: 2, status: 'failure', message: raw, container: null };
  }
}

let loaded: Promise<DimseNativeModule> | undefined;

/**
 * Loads the optional dependency on first use, so the node runs without it. A variable specifier
 * keeps TypeScript from requiring the package at build time.
 */
export function loadDimseNative(): Promise<DimseNativeModule> {
  const specifier = process.env.PACS_DIMSE_NATIVE_MODULE ?? 'dicom-dimse-native';
  loaded ??= import(specifier).then(
    (m: { default?: DimseNativeModule } & Partial<DimseNativeModule>) => (m.startStoreScp ? (m as DimseNativeModule) : m.default!),
    (err: unknown) => {
      loaded = undefined;
      throw new ConfigError(
        `transport "dicom-dimse-native" is configured but the optional package dicom-dimse-native is not installed or did not build ` +
          `(install it from source with SKIP_LIB_ICONV_BOOTSTRAP=1; see README): ${(err as Error).message}`,
        { cause: err },
      );
    },
  );
  return loaded;
}

/** Whether dicom-dimse-native can be loaded here (for tests and the startup report). */
export async function isDimseNativeAvailable(): Promise<boolean> {
  try {
    await loadDimseNative();
    return true;
  } catch {
    return false;
  }
}
