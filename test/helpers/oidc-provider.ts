import type { Server } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** How the provider misbehaves for the next sign-ins (a test sets it before each case). */
export type ProviderTamper =
  /** A correct provider. */
  | 'none'
  /** ID tokens for another client: re-signed with the provider's own key, `aud` another client id. */
  | 'wrong-audience'
  /** ID tokens that live 1 s, and the token response held back 2.5 s: expired on arrival. */
  | 'expired';

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  tamper: ProviderTamper;
  close(): Promise<void>;
}

/**
 * A local OpenID provider (panva's oidc-provider) on 127.0.0.1 over plain http, with one
 * confidential client whose redirect URI is `redirectUri`, PKCE required, and the library's
 * development login and consent pages (any password; the login name is the account). The
 * account's `roles` claim comes from `roles` by login name and is put in the ID token.
 */
export async function startOidcProvider(o: { port: number; redirectUri: string; roles: Record<string, string[]> }): Promise<TestOidcProvider> {
  const issuer = `http://127.0.0.1:${o.port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const state: TestOidcProvider = {
    issuer,
    clientId: 'unimie-node',
    clientSecret: 'client-secret-for-the-test-0a1b2c3d',
    tamper: 'none',
    close: async () => undefined,
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: state.clientId,
        client_secret: state.clientSecret,
        redirect_uris: [o.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['oidc-test-cookie-key-5b7e'] },
    claims: { openid: ['sub'], profile: ['preferred_username'], roles: ['roles'] },
    scopes: ['openid', 'profile', 'roles'],
    // The claims of the requested scopes go into the ID token, not only to userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { IdToken: () => (state.tamper === 'expired' ? 1 : 3600) },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, preferred_username: sub, roles: o.roles[sub] ?? [] }),
    }),
  });
  const key = await importJWK(jwk, 'RS256');
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || ctx.status !== 200) return;
    const body = ctx.body as { id_token?: string };
    if (state.tamper === 'expired') await new Promise((r) => setTimeout(r, 2500));
    if (state.tamper === 'wrong-audience' && body.id_token) {
      const claims = decodeJwt(body.id_token);
      body.id_token = await new SignJWT({ ...claims, aud: 'another-client' }).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' }).sign(key);
    }
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(o.port, '127.0.0.1', () => resolve(s));
  });
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
