/** The node's audit hooks in one place: associations, exports, configuration reloads, and forwarding to the audit repository. */
import { hostname } from 'node:os';
import type { LoadedConfig } from '../config/load.js';
import type { Db } from '../provenance/database.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { auditAssociationEnded, auditAssociationRejected } from './association-audit.js';
import type { AuditEvent } from './audit-event.js';
import { AuditForwarder } from './audit-forwarder.js';
import { recordAudit } from './audit-log.js';
import { DeliveryAudit } from './delivery-audit.js';
import { studyOf } from './study-of.js';

export interface NodeAuditDeps {
  db: Db;
  config: () => LoadedConfig;
  log: Logger;
  /** How often the forwarder looks for new events (default 1000 ms). */
  pollMs?: number;
}

export class NodeAudit {
  readonly deliveries: DeliveryAudit;
  private readonly forwarder: AuditForwarder;

  constructor(private readonly deps: NodeAuditDeps) {
    const aeTitle = () => deps.config().node.aeTitle;
    this.deliveries = new DeliveryAudit({
      record: (e) => this.record(e),
      studyOfSeries: (seriesUid) => studyOf(deps.db, { kind: 'series', id: seriesUid }),
      nodeAeTitle: aeTitle,
    });
    const host = hostname();
    this.forwarder = new AuditForwarder({
      db: deps.db,
      log: deps.log,
      ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
      source: () => ({ aeTitle: aeTitle(), host, processId: process.pid }),
      settings: () => {
        const s = deps.config().audit?.syslog;
        if (!s) return undefined;
        const { tls, ...rest } = s;
        const material = tls && { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) };
        return { ...rest, ...(material ? { tls: material } : {}) };
      },
    });
  }

  start(): void {
    this.forwarder.start();
  }

  associationEnded(associationId: string): void {
    this.guard(() => auditAssociationEnded(this.deps.db, associationId, Date.now()));
  }

  associationRejected(req: { id: string; callingAeTitle: string; calledAeTitle: string; remoteAddress: string }, why: string): void {
    this.guard(() => auditAssociationRejected(this.deps.db, req, why, Date.now()));
  }

  /** node.yaml or rules.yaml reloaded (SIGHUP, the file watcher, POST /api/config/reload): Software Configuration. */
  configurationChanged(): void {
    const aeTitle = this.deps.config().node.aeTitle;
    this.record({
      at: Date.now(),
      eventId: '110113',
      eventType: '110131',
      action: 'E',
      outcome: 0,
      actor: { name: aeTitle, kind: 'node' },
      route: 'config reload',
      objects: [{ kind: 'configuration', id: 'node.yaml, rules.yaml' }],
      detail: 'new configuration in effect',
    });
  }

  /** Records open export batches and stops forwarding (what is not sent waits for the next start). */
  async stop(): Promise<void> {
    this.deliveries.flush();
    await this.forwarder.stop();
  }

  private record(e: AuditEvent): void {
    this.guard(() => recordAudit(this.deps.db, e));
  }

  /** The audit never breaks what it watches: a write that fails is logged. */
  private guard(write: () => unknown): void {
    try {
      write();
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err) }, 'audit event not recorded');
    }
  }
}
