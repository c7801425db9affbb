/**
 * The API's roles, each including the one below it: a `viewer` reads (status, studies, lineage,
 * rendered images), an `operator` also requeues, retries, cancels and discards, an `admin` also
 * changes the configuration, users and tokens.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether `held` includes everything `required` may do. */
export function roleAllows(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}
