import { describe, expect, it } from 'vitest';
import { REDACTED, redactConfig } from './redact-config.js';

describe('redactConfig', () => {
  it('replaces the API token and TLS private keys, keeps certificates and paths', () => {
    const config = {
      api: { host: '127.0.0.1', port: 8080, token: 'secret-token-0123456789' },
      listeners: [{ name: 'main', tls: { cert: 'CERT PEM', key: 'KEY PEM', files: { cert: '/c.pem', key: '/k.pem' } } }],
      destinations: { pacs: { kind: 'dimse', tls: { cert: 'C', key: 'K2', requireClientCert: false } } },
      presets: { fast: { steps: 4 } },
    };
    const out = redactConfig(config);
    expect(out.api).toEqual({ host: '127.0.0.1', port: 8080, token: REDACTED });
    expect(out.listeners[0]!.tls.key).toBe(REDACTED);
    expect(out.listeners[0]!.tls.cert).toBe('CERT PEM');
    expect(out.listeners[0]!.tls.files).toEqual({ cert: '/c.pem', key: '/k.pem' });
    expect(out.destinations.pacs.tls.key).toBe(REDACTED);
    expect(out.presets).toEqual({ fast: { steps: 4 } });
    const text = JSON.stringify(out);
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('KEY PEM');
    expect(config.api.token).toBe('secret-token-0123456789');
  });

  it('replaces the Redis password and the credentials of a URL, keeps the host', () => {
    const out = redactConfig({ executor: { redis: { url: 'redis://worker:s3cret@redis.example:6379/0', password: 'p4ss' } } });
    expect(out.executor.redis).toEqual({ url: `redis://${REDACTED}@redis.example:6379/0`, password: REDACTED });
    expect(redactConfig({ executor: { redis: { url: 'rediss://redis.example:6380' } } }).executor.redis.url).toBe('rediss://redis.example:6380');
  });

  it('replaces alert webhook header values, the webhook URL past its host and SMTP passwords', () => {
    const out = redactConfig({
      alerts: {
        channels: {
          hook: { kind: 'webhook', url: 'https://hooks.example/services/T00/B00/abcSECRET?x=1', headers: { Authorization: 'Bearer h3ader', 'X-Team': 'ops' } },
          mail: { kind: 'smtp', host: 'smtp.example', auth: { user: 'node', password: 'm4il' } },
        },
      },
    });
    expect(out.alerts.channels.hook).toEqual({ kind: 'webhook', url: `https://hooks.example/${REDACTED}`, headers: { Authorization: REDACTED, 'X-Team': REDACTED } });
    expect(out.alerts.channels.mail.auth).toEqual({ user: 'node', password: REDACTED });
    expect(JSON.stringify(out)).not.toMatch(/SECRET|h3ader|m4il/);
  });

  it('replaces DICOMweb credentials (basic password, bearer token) and a client key, keeps user and URL', () => {
    const out = redactConfig({
      destinations: {
        web: { kind: 'dicomweb', url: 'https://pacs.example/dicom-web', auth: { kind: 'basic', user: 'node', password: 'pw-123' }, tls: { ca: 'CA', key: 'KEY PEM' } },
        cloud: { kind: 'dicomweb', url: 'https://cloud.example/dicomWeb', auth: { kind: 'bearer', token: 'tok-456' } },
      },
    });
    expect(out.destinations.web.auth).toEqual({ kind: 'basic', user: 'node', password: REDACTED });
    expect(out.destinations.web.url).toBe('https://pacs.example/dicom-web');
    expect(out.destinations.web.tls).toEqual({ ca: 'CA', key: REDACTED });
    expect(out.destinations.cloud.auth).toEqual({ kind: 'bearer', token: REDACTED });
  });

  it('leaves an unset token unset', () => {
    expect(redactConfig({ api: { port: 1 } })).toEqual({ api: { port: 1 } });
  });
});
