import dimse from 'dcmjs-dimse';

let done = false;

/**
 * dcmjs-dimse logs every PDU at info level through its own loglevel logger; the adapters log what
 * matters through pino instead. `DCMJS_DIMSE_LOG=info|debug` turns the library's log back on.
 */
export function quietDcmjsDimse(): void {
  if (done) return;
  done = true;
  const level = process.env.DCMJS_DIMSE_LOG ?? 'silent';
  dimse.log.setLevel(level as Parameters<typeof dimse.log.setLevel>[0]);
}
