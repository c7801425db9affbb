import { Type, type Static } from '@sinclair/typebox';
import { SecretValueSchema } from './alerts-schema.js';
import { Defaulted, Name, OneOf, Strict } from './schema-helpers.js';

/** Dashboard sessions: a session ends after `idleMinutes` without a request, and `absoluteHours` after sign-in at the latest. */
export const SessionSchema = Strict({
  idleMinutes: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 30),
  absoluteHours: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 12),
});

/**
 * Failed password sign-ins: after `maxFailures` for one user name, or `maxFailuresPerAddress` from
 * one client address, within `windowMinutes`, further sign-ins there answer 429 (a right password too)
 * until the oldest failure leaves the window.
 */
export const LoginLimitSchema = Strict({
  maxFailures: Defaulted(Type.Integer({ minimum: 1 }), 5),
  maxFailuresPerAddress: Defaulted(Type.Integer({ minimum: 1 }), 20),
  windowMinutes: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 15),
});

/**
 * Single sign-on for the dashboard with OpenID Connect (authorization code with PKCE). The role
 * comes from the ID token claim `roleClaim` (a string or a list) through `roleMap`; the highest
 * mapped role wins, and a user with none is refused.
 */
export const OidcSchema = Strict({
  /** The provider's issuer URL (its discovery document is `<issuer>/.well-known/openid-configuration`); https, or http on loopback. */
  issuer: Type.String({ pattern: '^https?://', description: 'issuer URL' }),
  clientId: Name,
  /** The client secret (client_secret_basic): a value or `{ file }`. */
  clientSecret: SecretValueSchema,
  /** Where the provider sends the browser back; default: this node's `/api/login/oidc/callback` as the browser addressed it. */
  redirectUri: Type.Optional(Type.String({ pattern: '^https?://' })),
  scopes: Defaulted(Type.Array(Name, { minItems: 1 }), ['openid', 'profile']),
  /** The ID token claim that carries roles or groups, e.g. `roles` or `groups`. */
  roleClaim: Name,
  /** Claim value → node role. */
  roleMap: Type.Record(Type.String({ minLength: 1 }), OneOf(['viewer', 'operator', 'admin'] as const), { additionalProperties: false }),
  /** The claim shown as the user's name (falls back to `sub`). */
  userClaim: Defaulted(Name, 'preferred_username'),
  /** Leeway for the ID token's exp/iat against this node's clock. */
  clockToleranceSeconds: Defaulted(Type.Integer({ minimum: 0, maximum: 300 }), 30),
  /** Shown on the dashboard's sign-in link. */
  label: Defaulted(Name, 'Sign in with SSO'),
});

export type OidcSettings = Static<typeof OidcSchema>;
/** OIDC settings with the client secret read from its file. */
export type ResolvedOidc = Omit<OidcSettings, 'clientSecret'> & { clientSecret: string };
