import { accountByApiToken, accountByPassword, type Account } from '../access/accounts.js';
import type { ResolvedApi } from '../config/types.js';
import type { Db } from '../provenance/database.js';
import { presentedCredentials, sameSecret } from './auth.js';

/** Who a request is, from its `Authorization` header; undefined when it proves nobody. */
export async function requestAccount(
  header: string | undefined,
  api: Pick<ResolvedApi, 'token' | 'auth'>,
  db: Db,
  now: number,
): Promise<Account | undefined> {
  const presented = presentedCredentials(header);
  if (!api.auth) {
    // One shared credential (or none): whoever holds it may do everything, as before named users.
    if (api.token === undefined || api.token === '') return { user: 'anonymous', role: 'admin' };
    if (!presented) return undefined;
    const secret = presented.scheme === 'bearer' ? presented.token : presented.password;
    return sameSecret(secret, api.token) ? { user: 'shared-token', role: 'admin' } : undefined;
  }
  if (!presented) return undefined;
  if (presented.scheme === 'bearer') return accountByApiToken(db, presented.token, now);
  if (!api.auth.passwordLogin) return undefined;
  return accountByPassword(db, presented.user, presented.password);
}
