import { Type, type Static } from '@sinclair/typebox';
import { deliveryRetryFields, TlsFilesSchema } from '../../config/node-schema.js';
import { AeTitle, Defaulted, Name, OneOf, Port, Strict } from '../../config/schema-helpers.js';
import type { TlsMaterial } from '../../config/types.js';
import { remoteNodeOf, type DimseExportDestination } from '../destination.js';
import type { DestinationKind } from '../destination-kind.js';
import { createDimseScuTransport } from '../transports/dimse-scu.js';

export const TRANSFER_SYNTAX_CHOICES = ['explicit-le', 'implicit-le', 'rle', 'jpeg-ls-lossless', 'j2k-lossless'] as const;

export const DimseDestinationSchema = Strict({
  kind: Type.Literal('dimse'),
  aeTitle: AeTitle,
  host: Name,
  port: Port,
  /** Our calling AE title towards this peer; default: node.aeTitle. */
  callingAeTitle: Type.Optional(AeTitle),
  /** Preferred transfer syntax; the exporter falls back to Explicit, then Implicit VR LE. */
  transferSyntax: Defaulted(OneOf(TRANSFER_SYNTAX_CHOICES), 'explicit-le'),
  /**
   * After a crash, ask the peer (C-FIND, IMAGE level) whether it already holds an object whose
   * C-STORE response was never recorded, and send it again only if not. A peer without C-FIND
   * gets it again (at least once).
   */
  verifyInDoubt: Defaulted(Type.Boolean(), true),
  tls: Type.Optional(TlsFilesSchema),
  timeoutSeconds: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 30),
  ...deliveryRetryFields,
});

export type ResolvedDimseDestination = Omit<Static<typeof DimseDestinationSchema>, 'tls' | 'callingAeTitle'> & {
  name: string;
  /** node.aeTitle unless the destination sets its own. */
  callingAeTitle: string;
  tls?: TlsMaterial;
};

/** A C-STORE SCP (PACS, workstation) reached with the node's SCU; C-FIND answers the in-doubt question. */
export const dimseDestination: DestinationKind<typeof DimseDestinationSchema, ResolvedDimseDestination, DimseExportDestination> = {
  kind: 'dimse',
  schema: DimseDestinationSchema,
  resolve(d, ctx) {
    const { tls, callingAeTitle, ...rest } = d;
    const material = tls ? ctx.readTls(tls, [...ctx.at, 'tls']) : undefined;
    return { ...rest, name: ctx.name, callingAeTitle: callingAeTitle ?? ctx.nodeAeTitle, ...(material ? { tls: material } : {}) };
  },
  toExport: (d, common) => ({
    ...common,
    kind: 'dimse',
    aeTitle: d.aeTitle,
    host: d.host,
    port: d.port,
    callingAeTitle: d.callingAeTitle,
    tls: d.tls ? { cert: d.tls.cert, key: d.tls.key, ca: d.tls.ca } : undefined,
    timeoutMs: d.timeoutSeconds * 1000,
    transferSyntax: d.transferSyntax,
    verifyInDoubt: d.verifyInDoubt,
  }),
  createTransport({ scu, log }) {
    if (!scu) throw new Error('a DIMSE destination needs the node SCU');
    return { ...createDimseScuTransport(scu, { log }), holdsQuery: 'C-FIND' };
  },
  async echo(dest, { scu }) {
    if (!scu) return { ok: false, error: 'no SCU transport configured', ms: 0 };
    return scu.echo(remoteNodeOf(dest));
  },
  describe: (d) => ({ address: `${d.aeTitle}@${d.host}:${d.port}`, tls: !!d.tls }),
  files: (d) => Object.fromEntries(Object.entries(d.tls?.files ?? {}).map(([k, p]) => [`tls.${k}`, p])),
};
