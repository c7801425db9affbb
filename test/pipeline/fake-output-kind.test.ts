import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseConfig } from '../../src/config/load.js';
import { readPart10, type Dataset } from '../../src/dicom/part10.js';
import type { PerSliceOutputKind } from '../../src/derive/output-kind.js';
import { registerOutputKind } from '../../src/derive/output-kinds.js';
import { ScImageBuilder } from '../../src/derive/sc-image.js';
import { countDeliveriesByState } from '../../src/provenance/deliveries.js';
import { storescu } from '../helpers/dcmtk.js';
import { pydicomData } from '../helpers/debian-fixtures.js';
import { REPO } from '../e2e/node-harness.js';
import { useSuiteNode } from '../e2e/suite-node.js';
import { sourceFilesMentioning } from '../helpers/source-mentions.js';

/**
 * An output kind that exists only in this file: it proves a kind is one module plus one
 * registration, with nothing else in src/ knowing it. It builds a Secondary Capture and marks it.
 */
const KIND = 'test-marked-sc';
const MARK = 'built by an output kind registered in a test';
const NOTE = 'Marked by the test output kind.';

const markedSc: PerSliceOutputKind = {
  name: KIND,
  assembly: 'per-slice',
  modalities: ['CT'],
  derivationNote: NOTE,
  buildSlice: (slice, options): Dataset => ({
    ...ScImageBuilder.fromSource(slice.source, slice.image, { ...options, sourceFrameIndex: slice.sourceFrameIndex }),
    ImageComments: MARK,
  }),
};

registerOutputKind(markedSc);

const CT5N = pydicomData('test_files', 'dicomdirtests/98892001/CT5N');
const CT_FILES = readdirSync(CT5N).map((f) => join(CT5N, f));

const rulesYaml = (modality: string) => `rules:
  - name: marked
    match: { modality: ${modality} }
    completion: { scope: series, quietSeconds: 0.5 }
    actions: { windows: [soft-tissue], enhance: none, output: ${KIND}, destinations: [out] }
  - name: default
    default: true
    actions: { drop: true }
`;

describe('an output kind registered by a test only', () => {
  const suite = useSuiteNode({
    extraDestinationsYaml: '  out:\n    kind: folder\n    path: ./out\n',
    rulesYaml: rulesYaml('CT'),
  });

  it('can be named by a rule, and is refused with file and line where it does not fit the modality', () => {
    expect(suite.node.config().rules[0]!.actions).toMatchObject({ kind: 'process', output: KIND });
    const node_ = { file: join(suite.configDir, 'node.yaml'), text: readFileSync(join(suite.configDir, 'node.yaml'), 'utf8') };
    const parse = () => parseConfig({ node: node_, rules: { file: join(suite.configDir, 'rules.yaml'), text: rulesYaml('MR') } });
    expect(parse).toThrow(ConfigValidationError);
    expect(parse).toThrow(/rules\.yaml:\d+:\d+: .*output test-marked-sc needs CT sources; this rule matches modality MR/);
  });

  it('is what the pipeline builds for a received series, one object per slice, delivered', async () => {
    const sent = await storescu({ callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE', port: suite.port }, CT_FILES);
    expect(sent.rc, sent.output).toBe(0);
    const deadline = Date.now() + 90_000;
    while (countDeliveriesByState(suite.node.db, 'out').done < CT_FILES.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(countDeliveriesByState(suite.node.db, 'out')).toMatchObject({ done: CT_FILES.length, dead: 0, pending: 0 });
    const out = join(suite.configDir, 'out');
    expect(existsSync(out)).toBe(true);
    const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files).toHaveLength(CT_FILES.length);
    for (const f of files) {
      const { dataset } = readPart10(readFileSync(join(f.parentPath, f.name)), { untilPixelData: true });
      expect(dataset.ImageComments).toBe(MARK);
      expect(dataset.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.7'); // Secondary Capture Image Storage
      // The kind's own note reaches the Derivation Description through the registry.
      expect(String(dataset.DerivationDescription)).toContain(NOTE);
    }
  });

  it('is known nowhere in src/: the kind lives in this test file only', () => {
    const mentions = sourceFilesMentioning(join(REPO, 'src'), KIND);
    expect(mentions).toEqual([]);
  });
});
