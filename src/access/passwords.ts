import { hash, verify } from '@node-rs/argon2';

/** Shortest password `users add` / `users reset` accept (NIST SP 800-63B §5.1.1.2: at least 8). */
export const MIN_PASSWORD_LENGTH = 12;

/** Argon2id with the library's defaults (m = 19 MiB, t = 2, p = 1: OWASP's minimum); PHC string. */
export function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return Promise.reject(new Error(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`));
  }
  return hash(password);
}

/** Whether `password` matches the stored PHC hash; false (never a throw) for a malformed hash. */
export async function passwordMatches(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
