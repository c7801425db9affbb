import { accountByApiToken, accountByPassword, type Account } from '../access/accounts.js';
import { loginLimit, loginLockout, recordLoginFailure } from '../access/login-throttle.js';
import { sessionLimits } from '../access/session-expiry.js';
import { accountBySession, type ActiveSession } from '../access/sessions.js';
import type { Db } from '../provenance/database.js';
import { presentedCredentials, sameSecret } from './auth.js';

/** What a request presents: its `Authorization` header and the value of the session cookie. */
export interface PresentedRequest {
  authorization?: string | undefined;
  sessionId?: string | undefined;
  /** The client's address: Basic passwords count towards the sign-in limit per user and address. */
  client?: string | undefined;
}

/** The api settings the check reads. */
export interface AccountSettings {
  token?: string | undefined;
  auth?:
    | {
        passwordLogin: boolean;
        session: { idleMinutes: number; absoluteHours: number };
        loginLimit?: { maxFailures: number; maxFailuresPerAddress: number; windowMinutes: number };
      }
    | undefined;
}

/** An account, and the session it came from when the request presented a session cookie. */
export type RequestAccount = Account & { session?: ActiveSession };

/**
 * Who a request is; undefined when it proves nobody. With api.auth an `Authorization` header
 * (Bearer API token, Basic user:password for scripts) is used when present, else the session cookie.
 */
export async function requestAccount(presented: PresentedRequest, api: AccountSettings, db: Db, now: number): Promise<RequestAccount | undefined> {
  const credentials = presentedCredentials(presented.authorization);
  if (!api.auth) {
    // One shared credential (or none): whoever holds it may do everything, as before named users.
    if (api.token === undefined || api.token === '') return { user: 'anonymous', role: 'admin' };
    if (!credentials) return undefined;
    const secret = credentials.scheme === 'bearer' ? credentials.token : credentials.password;
    return sameSecret(secret, api.token) ? { user: 'shared-token', role: 'admin' } : undefined;
  }
  if (!credentials) {
    if (presented.authorization || !presented.sessionId) return undefined;
    return accountBySession(db, presented.sessionId, sessionLimits(api.auth.session), now);
  }
  if (credentials.scheme === 'bearer') return accountByApiToken(db, credentials.token, now);
  if (!api.auth.passwordLogin) return undefined;
  return passwordAccount(db, credentials.user, credentials.password, presented.client ?? '-', api.auth.loginLimit, now);
}

/**
 * Basic user:password on an API call: the same sign-in limit as the dashboard's password sign-in,
 * so the Authorization header is no way around it; a locked-out user or address is refused
 * before the password is checked.
 */
async function passwordAccount(
  db: Db,
  user: string,
  password: string,
  client: string,
  limit: { maxFailures: number; maxFailuresPerAddress: number; windowMinutes: number } | undefined,
  now: number,
): Promise<RequestAccount | undefined> {
  if (!limit) return accountByPassword(db, user, password);
  if (loginLockout(db, user, client, loginLimit(limit), now)) return undefined;
  const account = await accountByPassword(db, user, password);
  if (!account) recordLoginFailure(db, user, client, now);
  return account;
}
