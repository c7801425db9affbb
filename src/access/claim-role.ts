import { ROLES, type Role } from './roles.js';

/**
 * The node role of a single sign-on user: each value of the claim (a string, a list of strings, or
 * a space-separated string as some providers send groups) looked up in `roleMap`; the highest role
 * found wins; undefined when none maps (the user is refused).
 */
export function roleFromClaim(claim: unknown, roleMap: Readonly<Record<string, Role>>): Role | undefined {
  const values = Array.isArray(claim) ? claim.filter((v): v is string => typeof v === 'string') : typeof claim === 'string' ? claim.split(/\s+/) : [];
  let best: Role | undefined;
  for (const v of values) {
    const role = Object.hasOwn(roleMap, v) ? roleMap[v] : undefined;
    if (role && (best === undefined || ROLES.indexOf(role) > ROLES.indexOf(best))) best = role;
  }
  return best;
}
