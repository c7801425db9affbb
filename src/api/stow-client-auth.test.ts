import { describe, expect, it } from 'vitest';
import { sha256Hex, type ResolvedStowClient } from '../config/resolve-stow.js';
import { authenticateStowClient, stowAuthChallenges } from './stow-client-auth.js';

const clients: ResolvedStowClient[] = [
  { name: 'RIS_WEB', credential: { kind: 'bearer', secretSha256: sha256Hex('ris-token-0123456789') } },
  { name: 'LAB', hosts: ['10.1.0.0/16'], credential: { kind: 'bearer', secretSha256: sha256Hex('lab-token-0123456789') } },
  { name: 'VIEWER', credential: { kind: 'basic', user: 'viewer', secretSha256: sha256Hex('viewer-pass') } },
];
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('STOW-RS client authentication', () => {
  it('finds the client a bearer token or basic user/password proves', () => {
    expect(authenticateStowClient('Bearer ris-token-0123456789', '127.0.0.1', clients)).toMatchObject({ ok: true, client: { name: 'RIS_WEB' } });
    expect(authenticateStowClient(basic('viewer', 'viewer-pass'), '::1', clients)).toMatchObject({ ok: true, client: { name: 'VIEWER' } });
    expect(authenticateStowClient('Bearer lab-token-0123456789', '::ffff:10.1.2.3', clients)).toMatchObject({ ok: true, client: { name: 'LAB' } });
  });

  it('answers 401 when nothing or nothing known is presented, 403 for a known client from another host', () => {
    expect(authenticateStowClient(undefined, '127.0.0.1', clients)).toMatchObject({ ok: false, status: 401 });
    expect(authenticateStowClient('Bearer wrong', '127.0.0.1', clients)).toMatchObject({ ok: false, status: 401 });
    expect(authenticateStowClient('Token abc', '127.0.0.1', clients)).toMatchObject({ ok: false, status: 401 });
    // The right password under another user name, or a basic password sent as a token, proves nobody.
    expect(authenticateStowClient(basic('admin', 'viewer-pass'), '127.0.0.1', clients)).toMatchObject({ ok: false, status: 401 });
    expect(authenticateStowClient('Bearer viewer-pass', '127.0.0.1', clients)).toMatchObject({ ok: false, status: 401 });
    expect(authenticateStowClient(basic('x', 'ris-token-0123456789'), '127.0.0.1', clients)).toMatchObject({ ok: false, status: 401 });
    expect(authenticateStowClient('Bearer lab-token-0123456789', '127.0.0.1', clients)).toMatchObject({ ok: false, status: 403, client: { name: 'LAB' } });
    expect(authenticateStowClient('Bearer ris-token-0123456789', '127.0.0.1', [])).toMatchObject({ ok: false, status: 401 });
  });

  it('challenges a Bearer client with Bearer only (no browser login dialog), anyone else with Bearer and Basic', () => {
    expect(stowAuthChallenges('Bearer nope')).toEqual(['Bearer realm="unimie-node-stow", error="invalid_token"']);
    expect(stowAuthChallenges(undefined)).toHaveLength(2);
    expect(stowAuthChallenges(basic('a', 'b'))[1]).toMatch(/^Basic /);
  });
});
