import { createHash } from 'node:crypto';
import type { ConfigIssue } from './config-issue.js';
import { configFiles } from './config-files.js';
import type { ClientSecret, NodeFile } from './node-schema.js';
import { isHostPattern } from './host-pattern.js';
import type { YamlSource } from './yaml-source.js';

/** How a STOW-RS client proves who it is; only the SHA-256 of its secret is kept. */
export type StowCredential = { kind: 'bearer'; secretSha256: string } | { kind: 'basic'; user: string; secretSha256: string };

export interface ResolvedStowClient {
  /** Plays the calling AE title's part (routing rules, provenance). */
  name: string;
  hosts?: readonly string[];
  credential: StowCredential;
}

/** The `stow:` section with its secrets read and reduced to SHA-256 digests. */
export interface ResolvedStow {
  /** Called AE title for objects stored over STOW-RS (node.aeTitle unless set). */
  aeTitle: string;
  maxRequestMb: number;
  maxInstancesPerRequest: number;
  clients: readonly ResolvedStowClient[];
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Resolves `stow:`: secrets read (a value, the first line of a file, or a given SHA-256) and kept
 * only as digests, so neither the config in memory nor GET /api/config holds them; unique client
 * names and credentials, valid host patterns.
 */
export function resolveStow(
  file: NodeFile,
  source: YamlSource,
  readText: (absolutePath: string) => string,
): { stow?: ResolvedStow; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  if (!file.stow) return { issues };
  const cf = configFiles(source, readText, issues);
  const digest = (secret: ClientSecret, at: Array<string | number>): string => {
    if (typeof secret === 'string') return sha256Hex(secret);
    if ('sha256' in secret) return secret.sha256.toLowerCase();
    const text = cf.read(secret.file, [...at, 'file'])?.split(/\r?\n/)[0]?.trim();
    if (text === '') issues.push(source.issue([...at, 'file'], 'the file is empty'));
    return sha256Hex(text ?? '');
  };

  const names = new Map<string, number>();
  const credentials = new Map<string, number>();
  const clients = file.stow.clients.map((c, i): ResolvedStowClient => {
    const at = ['stow', 'clients', i];
    const name = c.name.trim();
    if (names.has(name)) issues.push(source.issue([...at, 'name'], `duplicate client name '${name}' (also stow.clients[${names.get(name)}])`));
    else names.set(name, i);
    c.hosts?.forEach((h, k) => {
      if (!isHostPattern(h)) issues.push(source.issue([...at, 'hosts', k], `'${h}' is not an IP address or CIDR block`));
    });
    let credential: StowCredential;
    if ('token' in c) {
      credential = { kind: 'bearer', secretSha256: digest(c.token, [...at, 'token']) };
    } else {
      if (c.user.includes(':')) issues.push(source.issue([...at, 'user'], 'a basic-auth user name cannot contain ":" (RFC 7617)'));
      credential = { kind: 'basic', user: c.user, secretSha256: digest(c.password, [...at, 'password']) };
    }
    // Two clients with one credential could not be told apart.
    const key = credential.kind === 'bearer' ? `bearer:${credential.secretSha256}` : `basic:${credential.user}`;
    if (credentials.has(key)) {
      const what = credential.kind === 'bearer' ? 'token' : `user '${credential.user}'`;
      issues.push(source.issue(at, `the same ${what} as stow.clients[${credentials.get(key)}]`));
    } else credentials.set(key, i);
    return { name, ...(c.hosts ? { hosts: [...c.hosts] } : {}), credential };
  });

  return {
    stow: {
      aeTitle: (file.stow.aeTitle ?? file.node.aeTitle).trim(),
      maxRequestMb: file.stow.maxRequestMb,
      maxInstancesPerRequest: file.stow.maxInstancesPerRequest,
      clients,
    },
    issues,
  };
}
