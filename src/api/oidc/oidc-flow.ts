import * as client from 'openid-client';
import { isLoopbackUrl } from '../../config/check-oidc.js';
import type { ResolvedOidc as MutableOidc } from '../../config/auth-schema.js';
import type { DeepReadonly } from '../../config/deep-freeze.js';

type ResolvedOidc = DeepReadonly<MutableOidc>;

/** How long a browser may take at the provider between leaving the node and coming back. */
const PENDING_MS = 10 * 60_000;
/** Sign-ins under way at once; the oldest is dropped beyond this (each is a few hundred bytes). */
const MAX_PENDING = 1000;

interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  redirectUri: string;
  startedAt: number;
}

/** The claims of a validated ID token. */
export type IdClaims = Record<string, unknown> & { sub: string };

/**
 * The node as an OpenID Connect relying party (openid-client): the authorization code flow with
 * PKCE (S256), state and nonce. The provider's metadata is discovered once per configuration;
 * what a sign-in under way needs is kept here by its state (one node process, ten minutes at most),
 * and the browser that started it is bound to it by a cookie holding the state.
 */
export class OidcFlow {
  private readonly configs = new Map<string, Promise<client.Configuration>>();
  private readonly pending = new Map<string, PendingLogin>();

  /** The provider's authorization URL to send the browser to, and the state to bind to the browser. */
  async begin(oidc: ResolvedOidc, redirectUri: string, now: number): Promise<{ url: URL; state: string }> {
    const config = await this.configuration(oidc);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    this.prune(now);
    this.pending.set(state, { codeVerifier, nonce, redirectUri, startedAt: now });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: oidc.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state };
  }

  /**
   * Finishes a sign-in: the callback's state must be one this node started, in this browser; the
   * code is exchanged (with the PKCE verifier) and the ID token validated by openid-client:
   * signature, issuer, audience = clientId, exp/iat within the tolerance, nonce. Throws otherwise.
   */
  async finish(oidc: ResolvedOidc, query: URLSearchParams, browserState: string | undefined, now: number): Promise<IdClaims> {
    const state = query.get('state') ?? '';
    const pending = this.pending.get(state);
    this.pending.delete(state);
    if (!pending || now - pending.startedAt > PENDING_MS) throw new OidcRefusal('no sign-in under way for this state (expired, used, or from another node process)');
    if (browserState !== state) throw new OidcRefusal('the sign-in was started in another browser');
    const config = await this.configuration(oidc);
    const currentUrl = new URL(pending.redirectUri);
    currentUrl.search = query.toString();
    const tokens = await client.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new OidcRefusal('the provider sent no ID token');
    return claims as IdClaims;
  }

  private configuration(oidc: ResolvedOidc): Promise<client.Configuration> {
    const key = JSON.stringify([oidc.issuer, oidc.clientId, oidc.clientSecret, oidc.clockToleranceSeconds]);
    let config = this.configs.get(key);
    if (!config) {
      const issuer = new URL(oidc.issuer);
      config = client.discovery(
        issuer,
        oidc.clientId,
        { [client.clockTolerance]: oidc.clockToleranceSeconds },
        client.ClientSecretBasic(oidc.clientSecret),
        // http only for a provider on this machine (config check); a per-configuration option of the library.
        issuer.protocol === 'http:' && isLoopbackUrl(issuer) ? { execute: [client.allowInsecureRequests] } : {},
      );
      this.configs.set(key, config);
      // A provider that was down at the first try is asked again next time.
      config.catch(() => this.configs.delete(key));
    }
    return config;
  }

  private prune(now: number): void {
    for (const [state, p] of this.pending) {
      if (now - p.startedAt > PENDING_MS || this.pending.size >= MAX_PENDING) this.pending.delete(state);
      else break;
    }
  }
}

/** A sign-in the node refuses before or after asking the provider (the message says why; no secrets). */
export class OidcRefusal extends Error {}

/**
 * Why a sign-in failed, for the refusal page, the log and the audit trail: the library's message,
 * the most specific one among its causes, and the ID token claim that failed (aud, exp, nonce …).
 * Never the token or a secret.
 */
export function refusalReason(err: unknown): string {
  if (err instanceof OidcRefusal) return err.message;
  const messages: string[] = [];
  let claim: string | undefined;
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error && !messages.includes(e.message)) messages.push(e.message);
    const c = (e as { claim?: unknown }).claim;
    if (typeof c === 'string') claim = c;
  }
  const text = messages.length > 1 ? `${messages[0]}: ${messages[messages.length - 1]}` : (messages[0] ?? String(err));
  return claim ? `${text} (claim ${claim})` : text;
}
