import { hostname, userInfo } from 'node:os';
import type { AuditActor } from './audit-event.js';

/** The person at the node's command line: the operating-system account that ran the command. */
export function commandLineActor(): AuditActor {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = `uid ${process.getuid?.() ?? '?'}`;
  }
  return { name, kind: 'command-line', host: hostname() };
}
