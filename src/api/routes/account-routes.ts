import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Account } from '../../access/accounts.js';
import { ROLES } from '../../access/roles.js';
import { listApiTokens } from '../../access/token-store.js';
import { listUsers } from '../../access/user-store.js';
import type { ApiDeps } from '../api-deps.js';
import type { RequestAccount } from '../request-account.js';
import { errorResponses, Millis, Nullable } from '../schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request (set by the access check for every non-public route). */
    account?: Account;
  }
}

const RoleName = Type.Union(ROLES.map((r) => Type.Literal(r)));

const Me = Type.Object({
  user: Type.String(),
  role: RoleName,
  csrfToken: Type.Optional(Type.String({ description: 'when signed in by the session cookie: send it as x-csrf-token on POST, PUT, DELETE' })),
});

const UserView = Type.Object({
  name: Type.String(),
  role: RoleName,
  disabled: Type.Boolean(),
  password: Type.Boolean({ description: 'whether the user has a password (else tokens only)' }),
  createdAt: Millis,
  tokens: Type.Array(
    Type.Object({
      id: Type.Integer(),
      label: Type.String(),
      createdAt: Millis,
      expiresAt: Nullable(Millis),
      revokedAt: Nullable(Millis),
      lastUsedAt: Nullable(Millis),
    }),
  ),
});

/** Who am I (any role), and the users with their tokens (admin; never a secret or hash). */
export function accountRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/me',
      { schema: { summary: 'The user and role of this request', tags: ['access'], response: { 200: Me, ...errorResponses(401) } } },
      async (request) => {
        const { user, role, session } = request.account as RequestAccount;
        return { user, role, ...(session ? { csrfToken: session.csrfToken } : {}) };
      },
    );

    app.get(
      '/api/users',
      {
        schema: {
          summary: 'API users, their roles and tokens (no secrets)',
          tags: ['access'],
          response: { 200: Type.Array(UserView), ...errorResponses(401, 403) },
        },
      },
      async () => {
        const tokens = listApiTokens(deps.db);
        return listUsers(deps.db).map((u) => ({
          name: u.name,
          role: u.role,
          disabled: u.disabledAt !== null,
          password: u.passwordHash !== null,
          createdAt: u.createdAt,
          tokens: tokens
            .filter((t) => t.userId === u.id)
            .map((t) => ({ id: t.id, label: t.label, createdAt: t.createdAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt, lastUsedAt: t.lastUsedAt })),
        }));
      },
    );
  };
}
