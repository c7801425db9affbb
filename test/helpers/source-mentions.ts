import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The TypeScript files under `dir` whose text contains `needle` (a test-only kind must appear in none of src/). */
export function sourceFilesMentioning(dir: string, needle: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => readFileSync(f, 'utf8').includes(needle));
}
