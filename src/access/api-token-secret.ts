import { createHash, randomBytes } from 'node:crypto';

/** Prefix of the node's API tokens, so a leaked one is recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = 'unt_';

/** A new API token: the prefix and 256 random bits, base64url. */
export function newApiTokenSecret(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function looksLikeApiToken(text: string): boolean {
  return /^unt_[A-Za-z0-9_-]{43}$/.test(text);
}

/** What is stored of a token: its SHA-256, hex. */
export function apiTokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
