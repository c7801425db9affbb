import { afterAll, beforeAll } from 'vitest';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { silentLogger } from '../../src/shared/log.js';
import { freePort } from '../helpers/ports.js';
import { removeDir, writeTestConfig, type TestNodeConfig } from './node-harness.js';

/** A node one test suite shares: its listener's port and its configuration folder. */
export interface SuiteNode {
  node: RunningNode;
  port: number;
  configDir: string;
}

/**
 * Starts a node before the suite's tests and stops it after them (its folder removed): a
 * dcmjs-dimse listener on a free port, the `pacs` destination on another, no API. The fields are
 * filled in once the suite's tests run.
 */
export function useSuiteNode(config: Omit<TestNodeConfig, 'port' | 'transport' | 'pacs'>): SuiteNode {
  const suite = {} as SuiteNode;
  beforeAll(async () => {
    suite.port = await freePort();
    suite.configDir = writeTestConfig({ ...config, port: suite.port, transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: await freePort() } });
    suite.node = await startNode({ configDir: suite.configDir, log: silentLogger, api: false });
  });
  afterAll(async () => {
    await suite.node?.stop();
    if (suite.configDir) removeDir(suite.configDir);
  });
  return suite;
}
