import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { ResolvedDestination } from '../../src/config/types.js';
import { ConfigWatcher } from '../../src/config/watch.js';
import { fromResolvedDestination } from '../../src/export/destination-kinds.js';
import { echoDestination } from '../../src/export/echo-destination.js';
import { createDcmjsScu } from '../../src/net/dcmjs-dimse-scu.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import type { DiskSpace } from '../../src/spool/spool.js';
import type { ApiDeps, ListenerStatus, ModelStatus } from '../../src/api/api-deps.js';
import type { ContributionStatus } from '../../src/pipeline/contribution-source.js';
import { NodeMetrics } from '../../src/api/node-metrics.js';
import { addUser, createApiToken } from '../../src/access/accounts.js';
import type { Role } from '../../src/access/roles.js';

export const TOKEN = 'api-test-token-7f3a9c2e51b8';
export const REPO = join(import.meta.dirname, '../..');
export const CT_FILE = join(REPO, 'sample-studies/ct5n/2062.dcm');

export const RULES_YAML = `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 5 }
    actions: { windows: [soft-tissue], enhance: none, output: sc-rgb, destinations: [outbox] }
  - name: default
    default: true
    actions: { drop: true }
`;

/** `users`: named users and their tokens (api.auth) instead of the shared token. */
export function nodeYaml(o: { pacsPort: number; downPort: number; auth?: 'users' }): string {
  return `node:
  aeTitle: UNIMIE
  dataDir: ./var
listeners:
  - name: main
    aeTitle: UNIMIE
    port: 11112
    allow:
      - aeTitle: STORESCU
destinations:
  outbox:
    kind: folder
    path: ./outbox
  pacs:
    kind: dimse
    aeTitle: STORESCP
    host: 127.0.0.1
    port: ${o.pacsPort}
    timeoutSeconds: 5
  down:
    kind: dimse
    aeTitle: NOBODY
    host: 127.0.0.1
    port: ${o.downPort}
    timeoutSeconds: 2
models:
  embedded:
    manifest: ./model/manifest.yaml
presets:
  fast:
    model: embedded
    steps: 4
    seed: 7
api:
  host: 127.0.0.1
  port: 0
  ${o.auth === 'users' ? 'auth: {}' : `token: ${TOKEN}`}
limits:
  minFreeDiskMb: 100
`;
}

/** Everything a test changes about the node's live state, plus what the API asked of it. */
export interface FixtureState {
  disk: DiskSpace;
  listeners: ListenerStatus[];
  models: ModelStatus[];
  /** The contribution record as the node would read it (default: no file). */
  contribution: ContributionStatus;
  cancelled: number[];
  jobKicks: number;
  deliveryKicks: number;
}

export interface ApiFixture {
  dir: string;
  db: Db;
  watcher: ConfigWatcher;
  metrics: NodeMetrics;
  state: FixtureState;
  deps: ApiDeps;
  /** Log lines the API wrote (trace level), as text. */
  logText(): string;
  cleanup(): void;
}

/** A config folder, a real SQLite file and ApiDeps over them, the way the node wires them. */
export function createApiFixture(o: { pacsPort: number; downPort: number; auth?: 'users' }): ApiFixture {
  const dir = mkdtempSync(join(tmpdir(), 'api-test-'));
  writeFileSync(join(dir, 'node.yaml'), nodeYaml(o));
  writeFileSync(join(dir, 'rules.yaml'), RULES_YAML);
  const watcher = new ConfigWatcher(dir);
  const db = openDatabase(join(dir, 'var', 'provenance.sqlite'));
  const state: FixtureState = {
    disk: { freeBytes: 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 },
    listeners: [{ name: 'main', port: 11112, up: true }],
    models: [{ id: 'embedded', sha256: 'ab'.repeat(32), version: '1', device: 'cpu', loaded: true }],
    contribution: { path: join(dir, 'contribution.json'), state: 'missing' },
    cancelled: [],
    jobKicks: 0,
    deliveryKicks: 0,
  };
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logged += chunk.toString();
      cb();
    },
  });
  const log: Logger = pino({ level: 'trace' }, sink);
  const scu = createDcmjsScu({ log: pino({ level: 'silent' }) });
  const config = () => watcher.current;
  const diskFree = async () => state.disk;
  const metrics = new NodeMetrics({
    db,
    destinations: () => Object.keys(config().destinations),
    diskFree,
    listeners: () => state.listeners,
  });
  const deps: ApiDeps = {
    db,
    config,
    diskFree,
    reload: () => watcher.reload('api'),
    cancelRunningJob: (id) => {
      state.cancelled.push(id);
      return true;
    },
    kickJobs: () => void state.jobKicks++,
    kickDeliveries: () => void state.deliveryKicks++,
    echo: (name) => echoDestination(fromResolvedDestination(config().destinations[name] as ResolvedDestination), { scu }),
    models: () => state.models,
    contribution: () => state.contribution,
    listeners: () => state.listeners,
    pendingSeries: () => 0,
    metrics,
    log,
    version: '0.1.0-test',
  };
  return {
    dir,
    db,
    watcher,
    metrics,
    state,
    deps,
    logText: () => logged,
    cleanup: () => {
      watcher.close();
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A user with `role` (no password) and an API token of theirs: the token. */
export async function userWithToken(db: Db, name: string, role: Role): Promise<string> {
  await addUser(db, { name, role }, Date.now());
  return createApiToken(db, { user: name, label: 'test' }, Date.now()).token;
}

/** `Authorization` header values. */
export const bearer = (token = TOKEN) => ({ authorization: `Bearer ${token}` });
export const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** Parses Prometheus text exposition into `name{labels}` → value (labels sorted as written). */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?)\s+(\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}
