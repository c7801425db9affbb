import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig } from '../../src/config/load.js';
import { deliveryRetryFields } from '../../src/config/node-schema.js';
import { Name, Strict } from '../../src/config/schema-helpers.js';
import { readPart10 } from '../../src/dicom/part10.js';
import type { DestinationCommon } from '../../src/export/destination.js';
import type { DestinationKind } from '../../src/export/destination-kind.js';
import { describeDestination, fromResolvedDestination, registerDestinationKind } from '../../src/export/destination-kinds.js';
import { echoDestination } from '../../src/export/echo-destination.js';
import { countDeliveriesByState } from '../../src/provenance/deliveries.js';
import { storescu } from '../helpers/dcmtk.js';
import { REPO } from '../e2e/node-harness.js';
import { useSuiteNode } from '../e2e/suite-node.js';
import { TEST_FILES } from './transport-conformance.js';
import { sourceFilesMentioning } from '../helpers/source-mentions.js';

/**
 * A destination kind that exists only in this file: it proves a kind is one module plus one
 * registration, with nothing else in src/ knowing it. It keeps what it is sent in memory.
 */
const KIND = 'test-memory-sink';

const SinkSchema = Strict({
  kind: Type.Literal(KIND),
  /** A name for the sink, so the kind has a field of its own for the loader to check. */
  shelf: Name,
  ...deliveryRetryFields,
});

interface SinkDestination extends DestinationCommon {
  kind: typeof KIND;
  shelf: string;
}

const received = new Map<string, { shelf: string; sopInstanceUids: string[] }>();

const sinkKind: DestinationKind<typeof SinkSchema, { kind: typeof KIND; name: string; shelf: string; maxAttempts: number; backoff: { initialSeconds: number; maxSeconds: number } }, SinkDestination> = {
  kind: KIND,
  schema: SinkSchema,
  resolve: (entry, ctx) => {
    if (entry.shelf === 'forbidden') ctx.issue([...ctx.at, 'shelf'], 'this shelf is not for deliveries');
    return { ...entry, name: ctx.name };
  },
  toExport: (d, common) => ({ ...common, kind: KIND, shelf: d.shelf }),
  createTransport: () => ({
    kind: KIND,
    async send(dest, items) {
      const shelf = received.get(dest.name) ?? { shelf: dest.shelf, sopInstanceUids: [] };
      received.set(dest.name, shelf);
      return items.map((item) => {
        // What arrives is the file the node stored: its SOP Instance UID is the one the row names.
        const uid = String(readPart10(readFileSync(item.path), { untilPixelData: true }).dataset.SOPInstanceUID);
        shelf.sopInstanceUids.push(uid);
        return { sopInstanceUid: item.sopInstanceUid, status: uid === item.sopInstanceUid ? 0 : 0xc000 };
      });
    },
  }),
  echo: async (dest) => ({ ok: dest.shelf.length > 0, ms: 0 }),
  describe: (d) => ({ address: `memory:${d.shelf}`, tls: false }),
};

registerDestinationKind(sinkKind);

const CT5N = join(TEST_FILES, 'dicomdirtests/98892001/CT5N');
const CT_FILES = readdirSync(CT5N).map((f) => join(CT5N, f));

function sopOf(path: string): string {
  return String(readPart10(readFileSync(path), { untilPixelData: true }).dataset.SOPInstanceUID);
}

describe('a destination kind registered by a test only', () => {
  const suite = useSuiteNode({
    extraDestinationsYaml: `  shelf:\n    kind: ${KIND}\n    shelf: top\n    backoff: { initialSeconds: 0.2, maxSeconds: 1 }\n`,
    rulesYaml: `rules:
  - name: ct-to-the-sink
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 0.5 }
    actions: { forward: [shelf] }
  - name: default
    default: true
    actions: { drop: true }
`,
  });

  it('is taken by node.yaml, resolved by its module, and listed and tested through the registry', () => {
    const dest = suite.node.config().destinations.shelf!;
    expect(dest).toMatchObject({ kind: KIND, name: 'shelf', shelf: 'top', maxAttempts: 8, backoff: { initialSeconds: 0.2, maxSeconds: 1 } });
    expect(describeDestination(dest)).toEqual({ address: 'memory:top', tls: false });
    return expect(echoDestination(fromResolvedDestination(dest), {})).resolves.toEqual({ ok: true, ms: 0 });
  });

  it('has its own fields checked by the loader, with file and line', () => {
    const nodeYaml = join(suite.configDir, 'node.yaml');
    const good = readFileSync(nodeYaml, 'utf8');
    try {
      writeFileSync(nodeYaml, good.replace('    shelf: top\n', '    shelves: top\n'));
      expect(() => loadConfig(suite.configDir)).toThrow(ConfigValidationError);
      expect(() => loadConfig(suite.configDir)).toThrow(/node\.yaml:\d+:\d+: destinations\.shelf\.shelves: unknown key/);
      writeFileSync(nodeYaml, good.replace('    shelf: top\n', '    shelf: forbidden\n'));
      expect(() => loadConfig(suite.configDir)).toThrow(/node\.yaml:\d+:\d+: destinations\.shelf\.shelf: this shelf is not for deliveries/);
    } finally {
      writeFileSync(nodeYaml, good);
    }
  });

  it('gets a series a node received, delivered by the worker through its transport', async () => {
    const sent = await storescu({ callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE', port: suite.port }, CT_FILES);
    expect(sent.rc, sent.output).toBe(0);
    const deadline = Date.now() + 60_000;
    while (countDeliveriesByState(suite.node.db, 'shelf').done < CT_FILES.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(countDeliveriesByState(suite.node.db, 'shelf')).toEqual({ pending: 0, sending: 0, done: CT_FILES.length, dead: 0, discarded: 0 });
    expect(received.get('shelf')?.shelf).toBe('top');
    expect(new Set(received.get('shelf')?.sopInstanceUids)).toEqual(new Set(CT_FILES.map(sopOf)));
  });

  it('is known nowhere in src/: the kind lives in this test file only', () => {
    const mentions = sourceFilesMentioning(join(REPO, 'src'), KIND);
    expect(mentions).toEqual([]);
  });
});
