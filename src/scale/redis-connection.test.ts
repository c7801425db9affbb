import { describe, expect, it } from 'vitest';
import { redactUrl, redisConnectionOptions } from './redis-connection.js';

describe('redisConnectionOptions', () => {
  it('reads host, port, database and credentials from the URL', () => {
    const o = redisConnectionOptions({ url: 'redis://node:p%40ss@redis.example:6380/2' });
    expect(o).toMatchObject({ host: 'redis.example', port: 6380, db: 2, username: 'node', password: 'p@ss', maxRetriesPerRequest: null });
    expect(o.tls).toBeUndefined();
  });

  it('lets the configured password override the URL and defaults the port', () => {
    const o = redisConnectionOptions({ url: 'redis://:old@10.0.0.5', password: 'new' });
    expect(o).toMatchObject({ host: '10.0.0.5', port: 6379, db: 0, password: 'new' });
    expect('username' in o).toBe(false);
  });

  it('turns on TLS for rediss:// and for a tls section, with the CA', () => {
    expect(redisConnectionOptions({ url: 'rediss://r.example' }).tls).toEqual({ servername: 'r.example', rejectUnauthorized: true });
    expect(redisConnectionOptions({ url: 'rediss://127.0.0.1:6380' }).tls).toEqual({ rejectUnauthorized: true });
    expect(redisConnectionOptions({ url: 'redis://r.example', tls: { ca: 'PEM', rejectUnauthorized: false } }).tls).toEqual({
      servername: 'r.example',
      rejectUnauthorized: false,
      ca: 'PEM',
    });
  });

  it('refuses other schemes and bad URLs without echoing credentials', () => {
    expect(() => redisConnectionOptions({ url: 'http://x' })).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => redisConnectionOptions({ url: 'redis://h/abc' })).toThrow(/not a number/);
    expect(() => redisConnectionOptions({ url: 'not a url :secret@' })).toThrow(/not a Redis URL/);
    expect(redactUrl('redis://u:secret@h:1')).toBe('redis://***@h:1');
  });
});
