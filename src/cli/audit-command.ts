import type { Command } from 'commander';
import { AUDIT_EVENT_IDS, AUDIT_EVENT_TYPES } from '../audit/audit-codes.js';
import { queryAudit, recordAudit, type AuditQuery } from '../audit/audit-log.js';
import { commandLineActor } from '../audit/command-line-actor.js';
import { openNodeDatabase, print } from './cli-context.js';

function timeArg(text: string): number {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`not a date or time: ${text} (ISO 8601, e.g. 2026-12-01 or 2026-12-01T08:00Z)`);
  return t;
}

/** `audit`: the audit trail, newest first (reading it is recorded as Audit Log Used). */
export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('who did what to which study, when: API views, refusals, operator actions, configuration and user changes')
    .option('--user <name>', 'actor: API user, AE title or operating-system user')
    .option('--study <uid>', 'Study Instance UID')
    .option('--since <time>', 'from this time (ISO 8601)', timeArg)
    .option('--until <time>', 'before this time (ISO 8601)', timeArg)
    .option('--failures', 'only refused or failed actions')
    .option('--limit <n>', 'at most this many events', Number, 200)
    .action((o: { user?: string; study?: string; since?: number; until?: number; failures?: boolean; limit: number }) => {
      const db = openNodeDatabase(program);
      try {
        const q: AuditQuery = {
          ...(o.user !== undefined ? { actor: o.user } : {}),
          ...(o.study !== undefined ? { studyUid: o.study } : {}),
          ...(o.since !== undefined ? { since: o.since } : {}),
          ...(o.until !== undefined ? { until: o.until } : {}),
          ...(o.failures ? { failures: true } : {}),
          limit: o.limit,
        };
        const rows = queryAudit(db, q);
        recordAudit(db, { at: Date.now(), eventId: '110101', action: 'R', outcome: 0, actor: commandLineActor(), route: 'audit', objects: [{ kind: 'query', id: JSON.stringify(q) }] });
        print(program, rows, () =>
          rows
            .map((e) =>
              [
                new Date(e.at).toISOString(),
                `${AUDIT_EVENT_IDS[e.eventId]}${e.eventType ? ` / ${AUDIT_EVENT_TYPES[e.eventType]}` : ''}`,
                e.outcome === 0 ? 'ok' : `failed(${e.outcome})`,
                `${e.actor.name}${e.actor.host ? `@${e.actor.host}` : ''}`,
                e.route ?? '',
                e.studyUid ? `study ${e.studyUid}` : e.objects.map((x) => `${x.kind} ${x.id}`).join(', '),
                e.detail ?? '',
              ].join('\t'),
            )
            .join('\n') || 'no audit events',
        );
      } finally {
        db.close();
      }
    });
}
