import { Type, type Static } from '@sinclair/typebox';
import { Defaulted, Name, OneOf, Port, Strict } from './schema-helpers.js';

/** What the node raises an alert for (src/alerts/alert-event.ts builds each one). */
export const ALERT_EVENTS = ['delivery.dead', 'job.failed', 'job.dead', 'disk.low', 'disk.recovered', 'listener.down', 'model.failed'] as const;
export type AlertEventType = (typeof ALERT_EVENTS)[number];

/** Which events a channel gets; default: every one. */
const EventFilter = Defaulted(Type.Array(OneOf(ALERT_EVENTS), { minItems: 1 }), [...ALERT_EVENTS]);

/** A secret given in the YAML, or read from a file (first line), relative to the config file. */
export const SecretValueSchema = Type.Union([Type.String({ minLength: 1 }), Strict({ file: Name })]);

export const WebhookChannelSchema = Strict({
  kind: Type.Literal('webhook'),
  /** Receives each alert as a JSON POST; a 2xx answer counts as delivered. Redirects are not followed. */
  url: Type.String({ pattern: '^https?://', description: 'an http:// or https:// URL' }),
  /** Extra request headers (e.g. Authorization); their values are secrets: never logged or shown by the API. */
  headers: Defaulted(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), SecretValueSchema, { additionalProperties: false }), {}),
  timeoutSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 10),
  events: EventFilter,
});

export const SmtpChannelSchema = Strict({
  kind: Type.Literal('smtp'),
  host: Name,
  port: Defaulted(Port, 587),
  /** `starttls`: upgrade required (refuses a server without it); `tls`: TLS from the first byte (465); `none`: plain. */
  security: Defaulted(OneOf(['starttls', 'tls', 'none'] as const), 'starttls'),
  /** PEM file of a private CA to trust for the server's certificate, relative to the config file. */
  ca: Type.Optional(Name),
  from: Name,
  to: Type.Array(Name, { minItems: 1 }),
  user: Type.Optional(Name),
  /** Never logged or shown by the API; or `passwordFile` (first line), relative to the config file. */
  password: Type.Optional(Type.String({ minLength: 1 })),
  passwordFile: Type.Optional(Name),
  timeoutSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 30),
  events: EventFilter,
});

export const AlertChannelSchema = Type.Union([WebhookChannelSchema, SmtpChannelSchema]);

/**
 * `alerts:` in node.yaml. Alerts are kept in the provenance database until each channel took
 * them, retried with exponential backoff; the same event about the same thing (a destination, a
 * listener, a rule…) goes out at most once per `repeatSeconds`, later ones are counted into the
 * next alert.
 */
export const AlertsSchema = Strict({
  channels: Defaulted(
    Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), AlertChannelSchema, { additionalProperties: false }),
    {},
  ),
  repeatSeconds: Defaulted(Type.Integer({ minimum: 0 }), 900),
  maxAttempts: Defaulted(Type.Integer({ minimum: 1, maximum: 1000 }), 12),
  backoff: Defaulted(
    Strict({
      initialSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 5),
      maxSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 600),
    }),
    { initialSeconds: 5, maxSeconds: 600 },
  ),
});

export type AlertsSettings = Static<typeof AlertsSchema>;
