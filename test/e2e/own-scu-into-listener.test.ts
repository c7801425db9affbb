import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectStoreItems } from '../../src/cli/store-items.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { silentLogger } from '../../src/shared/log.js';
import { SAMPLES } from './node-harness.js';
import { useSuiteNode } from './suite-node.js';

/**
 * The node's own SCU (as `send` and the demo use it) into its own listener. The SCU proposes
 * [Implicit, Explicit] VR LE, the listener takes Implicit, so dcmjs-dimse transcodes each file;
 * CT_small and MR_small then carry elements after Pixel Data (Data Set Trailing Padding), which
 * the listener parses whole from the shared memory it collected them in.
 */
describe('the node SCU storing the sample studies into the node listener', () => {
  const suite = useSuiteNode({
    rulesYaml: 'rules:\n  - name: store-only\n    default: true\n    actions: { drop: true }\n',
  });

  it('stores every object, none quarantined', async () => {
    const { items } = await collectStoreItems([join(SAMPLES, 'ct-small'), join(SAMPLES, 'mr-small'), join(SAMPLES, 'ct5n')]);
    expect(items).toHaveLength(7);
    const outcomes = await createDcmjsScu({ log: silentLogger }).store({ aeTitle: 'UNIMIE', host: '127.0.0.1', port: suite.port, callingAeTitle: 'STORESCU' }, items);
    expect(outcomes.map((o) => [o.sopInstanceUid, o.status])).toEqual(items.map((i) => [i.sopInstanceUid, 0]));
    expect(suite.node.db.prepare('SELECT reason FROM quarantine').all()).toEqual([]);
  });
});
