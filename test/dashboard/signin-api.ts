import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startApi, type RunningApi } from '../../src/api/build-api.js';
import { createApiFixture, type ApiFixture } from '../api/api-fixture.js';
import { freePort } from '../helpers/ports.js';

export const CHROMIUM = '/usr/bin/chromium';

/** The API (no DICOM side) over the test fixture with named users, listening on loopback over plain http. */
export interface SignInApi {
  fx: ApiFixture;
  api: RunningApi;
  base: string;
  /** Replaces the api.auth block of node.yaml (YAML flow mapping) and reloads the configuration. */
  setAuth(yaml: string): void;
  stop(): Promise<void>;
}

export async function startSignInApi(authYaml: string): Promise<SignInApi> {
  const fx = createApiFixture({ pacsPort: await freePort(), downPort: await freePort(), auth: 'users' });
  const file = join(fx.dir, 'node.yaml');
  const original = readFileSync(file, 'utf8');
  const setAuth = (yaml: string) => {
    writeFileSync(file, original.replace('auth: {}', `auth: ${yaml}`));
    const r = fx.watcher.reload('manual');
    if (!r.ok) throw new Error(`config refused: ${JSON.stringify(r)}`);
  };
  setAuth(authYaml);
  const api = await startApi(fx.deps, { host: '127.0.0.1', port: 0 });
  return {
    fx,
    api,
    base: `http://127.0.0.1:${api.port}`,
    setAuth,
    stop: async () => {
      await api.close();
      fx.cleanup();
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
