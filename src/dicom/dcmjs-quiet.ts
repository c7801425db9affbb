import { createRequire } from 'node:module';
import dcmjs from 'dcmjs';

interface LogLevelLogger {
  setLevel(level: string): void;
  getLogger(name: string): LogLevelLogger;
}

/**
 * dcmjs writes parse and validation notes ("Invalid vr type", "Unknown name in dataset" with the
 * element's value — which may be a patient attribute) straight to the console through its own
 * loglevel loggers. Three copies are loaded: ours and the ones nested in dcmjs-codecs and
 * dcmjs-dimse. All of them are set to errors only, validation included; the node reports what
 * matters through pino. `DCMJS_LOG=warn` turns them back on for debugging.
 */
export function quietDcmjs(): void {
  const level = process.env.DCMJS_LOG ?? 'silent';
  const logs: LogLevelLogger[] = [dcmjs.log as unknown as LogLevelLogger];
  const require = createRequire(import.meta.url);
  for (const host of ['dcmjs-codecs', 'dcmjs-dimse']) {
    try {
      const fromHost = createRequire(require.resolve(host));
      logs.push((fromHost('dcmjs') as { log: LogLevelLogger }).log);
    } catch {
      // The package is not installed (dicom-dimse-native-only setups): nothing to quiet.
    }
  }
  for (const log of logs) {
    log.setLevel(level);
    log.getLogger('validation.dcmjs').setLevel(level);
  }
}
