import type { Command } from 'commander';
import { addUser, createApiToken, resetPassword, revokeToken } from '../access/accounts.js';
import { isRole, ROLES, type Role } from '../access/roles.js';
import { listApiTokens } from '../access/token-store.js';
import { findUser, listUsers, setUserDisabled, setUserRole } from '../access/user-store.js';
import type { AuditEventType } from '../audit/audit-codes.js';
import { recordAudit } from '../audit/audit-log.js';
import { commandLineActor } from '../audit/command-line-actor.js';
import type { Db } from '../provenance/database.js';
import { openNodeDatabase, print } from './cli-context.js';

/** The first line of standard input (a password piped in, never an argument: arguments show in `ps`). */
async function firstStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

function roleArg(value: string): Role {
  if (!isRole(value)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  return value;
}

const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

async function withDb<T>(program: Command, f: (db: Db) => T | Promise<T>): Promise<T> {
  const db = openNodeDatabase(program);
  try {
    return await f(db);
  } finally {
    db.close();
  }
}

/** Records a change of users or tokens as a Security Alert (PS3.15 A.5.3.11) by whoever ran the command. */
function auditChange(db: Db, command: string, eventType: AuditEventType, user: string, detail: string): void {
  recordAudit(db, { at: Date.now(), eventId: '110113', eventType, action: 'E', outcome: 0, actor: commandLineActor(), route: command, objects: [{ kind: 'user', id: user }], detail });
}

/** `users add|list|disable|enable|reset|role` and `tokens create|list|revoke` (api.auth). */
export function registerAccessCommands(program: Command): void {
  const users = program.command('users').description('API users and their roles (with api.auth in node.yaml)');
  users
    .command('add')
    .description(`add a user with a role (${ROLES.join(', ')}); the password is read from standard input with --password-stdin, else the user signs in with tokens only`)
    .argument('<name>')
    .requiredOption('--role <role>', ROLES.join(' | '), roleArg)
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (name: string, o: { role: Role; passwordStdin?: boolean }) => {
      const password = o.passwordStdin ? await firstStdinLine() : undefined;
      const u = await withDb(program, async (db) => {
        const added = await addUser(db, { name, role: o.role, ...(password !== undefined ? { password } : {}) }, Date.now());
        auditChange(db, 'users add', '110136', name, `added with role ${o.role}`);
        return added;
      });
      print(program, { name: u.name, role: u.role, password: u.passwordHash !== null }, () => `added ${u.name} (${u.role})${u.passwordHash ? '' : ', tokens only'}`);
    });
  users
    .command('list')
    .description('users, roles and whether they are disabled')
    .action(async () => {
      const rows = await withDb(program, (db) => listUsers(db));
      const view = rows.map((u) => ({ name: u.name, role: u.role, disabled: u.disabledAt !== null, password: u.passwordHash !== null, createdAt: u.createdAt }));
      print(program, view, () => view.map((u) => `${u.name}\t${u.role}${u.disabled ? '\tdisabled' : ''}${u.password ? '' : '\ttokens only'}`).join('\n') || 'no users');
    });
  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    users
      .command(verb)
      .description(disabled ? 'refuse the user’s password and every token until enabled again' : 'let a disabled user in again')
      .argument('<name>')
      .action(async (name: string) => {
        await withDb(program, (db) => {
          if (!setUserDisabled(db, name, disabled ? Date.now() : null)) throw new Error(`no user "${name}"`);
          auditChange(db, `users ${verb}`, '110137', name, `${verb}d`);
        });
        print(program, { name, disabled }, () => `${name} ${verb}d`);
      });
  }
  users
    .command('reset')
    .description('set a new password, read from the first line of standard input')
    .argument('<name>')
    .action(async (name: string) => {
      const password = await firstStdinLine();
      await withDb(program, async (db) => {
        await resetPassword(db, name, password, Date.now());
        auditChange(db, 'users reset', '110137', name, 'password replaced');
      });
      print(program, { name, reset: true }, () => `password of ${name} replaced`);
    });
  users
    .command('role')
    .description('change a user’s role')
    .argument('<name>')
    .argument('<role>', ROLES.join(' | '), roleArg)
    .action(async (name: string, role: Role) => {
      await withDb(program, (db) => {
        if (!setUserRole(db, name, role)) throw new Error(`no user "${name}"`);
        auditChange(db, 'users role', '110136', name, `role set to ${role}`);
      });
      print(program, { name, role }, () => `${name} is now ${role}`);
    });

  const tokens = program.command('tokens').description('API tokens of users (shown once, stored as a digest)');
  tokens
    .command('create')
    .description('create a token for a user; it is printed once and cannot be shown again')
    .argument('<user>')
    .requiredOption('--label <text>', 'what the token is for (e.g. "prometheus")')
    .option('--expires-days <n>', 'days until it stops working (default: never)', Number)
    .action(async (user: string, o: { label: string; expiresDays?: number }) => {
      const t = await withDb(program, (db) => {
        const created = createApiToken(db, { user, label: o.label, ...(o.expiresDays !== undefined ? { expiresInDays: o.expiresDays } : {}) }, Date.now());
        auditChange(db, 'tokens create', '110137', user, `token ${created.id} "${o.label}" created`);
        return created;
      });
      print(program, t, () => `${t.token}\n(token ${t.id} for ${user}, expires ${when(t.expiresAt)}; store it now, it is not shown again)`);
    });
  tokens
    .command('list')
    .description('tokens (never the secret), optionally of one user')
    .argument('[user]')
    .action(async (user?: string) => {
      const rows = await withDb(program, (db) => {
        if (user !== undefined && !findUser(db, user)) throw new Error(`no user "${user}"`);
        return listApiTokens(db, user);
      });
      print(program, rows, () =>
        rows.map((t) => `${t.id}\t${t.userName}\t${t.label}\texpires ${when(t.expiresAt)}\tlast used ${when(t.lastUsedAt)}${t.revokedAt !== null ? '\trevoked' : ''}`).join('\n') || 'no tokens',
      );
    });
  tokens
    .command('revoke')
    .description('stop a token from working (the row stays for the record)')
    .argument('<id>', 'token id (tokens list)', Number)
    .action(async (id: number) => {
      await withDb(program, (db) => {
        const owner = listApiTokens(db).find((t) => t.id === id)?.userName ?? '?';
        revokeToken(db, id, Date.now());
        auditChange(db, 'tokens revoke', '110137', owner, `token ${id} revoked`);
      });
      print(program, { id, revoked: true }, () => `token ${id} revoked`);
    });
}
