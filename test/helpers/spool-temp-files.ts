import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isEmptySpare } from '../../src/spool/durable-writer.js';

/**
 * Files under a spool's `incoming/` that hold an object's bytes: a temp file left here is a write
 * that was neither committed nor cleaned up. The empty spares the writer threads keep ready are
 * not counted.
 */
export function tempFilesIn(spoolRoot: string): string[] {
  const dir = join(spoolRoot, 'incoming');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => !isEmptySpare(name, statSync(join(dir, name)).size));
}
