import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { collectStoreItems } from '../../src/cli/store-items.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { silentLogger } from '../../src/shared/log.js';
import { freePort } from '../helpers/ports.js';
import { SAMPLES, removeDir, writeTestConfig } from './node-harness.js';

/**
 * The node's own SCU (as `send` and the demo use it) into its own listener. The SCU proposes
 * [Implicit, Explicit] VR LE, the listener takes Implicit, so dcmjs-dimse transcodes each file;
 * CT_small and MR_small then carry elements after Pixel Data (Data Set Trailing Padding), which
 * the listener parses whole from the shared memory it collected them in.
 */
describe('the node SCU storing the sample studies into the node listener', () => {
  let configDir: string;
  let node: RunningNode;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    configDir = writeTestConfig({
      port,
      transport: 'dcmjs-dimse',
      pacs: { aeTitle: 'PACS', port: await freePort() },
      rulesYaml: 'rules:\n  - name: store-only\n    default: true\n    actions: { drop: true }\n',
    });
    node = await startNode({ configDir, log: silentLogger, api: false });
  });

  afterAll(async () => {
    await node?.stop();
    removeDir(configDir);
  });

  it('stores every object, none quarantined', async () => {
    const { items } = await collectStoreItems([join(SAMPLES, 'ct-small'), join(SAMPLES, 'mr-small'), join(SAMPLES, 'ct5n')]);
    expect(items).toHaveLength(7);
    const outcomes = await createDcmjsScu({ log: silentLogger }).store({ aeTitle: 'UNIMIE', host: '127.0.0.1', port, callingAeTitle: 'STORESCU' }, items);
    expect(outcomes.map((o) => [o.sopInstanceUid, o.status])).toEqual(items.map((i) => [i.sopInstanceUid, 0]));
    expect(node.db.prepare('SELECT reason FROM quarantine').all()).toEqual([]);
  });
});
