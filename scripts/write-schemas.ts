/**
 * Regenerates config/node.schema.json and config/rules.schema.json from the TypeBox schemas:
 * `npx tsx scripts/write-schemas.ts [folder]` (default: ./config). A test fails when the
 * committed files differ from what this writes. It lives outside src/config because node.yaml's
 * destination kinds come from the export stage (src/export/destination-kinds.ts), which config
 * must not import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderJsonSchemas } from '../src/config/json-schema.js';
import '../src/export/destination-kinds.js';

const dir = path.resolve(process.argv[2] ?? 'config');
for (const [name, text] of Object.entries(renderJsonSchemas())) {
  fs.writeFileSync(path.join(dir, name), text);
  process.stdout.write(`wrote ${path.join(dir, name)}\n`);
}
