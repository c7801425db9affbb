import { Type, type TSchema } from '@sinclair/typebox';

/**
 * JSON schemas of the API's bodies, shared by the route plugins. Fastify validates requests and
 * serializes responses with them, and /openapi.json is built from them, so they are the one
 * description of the API.
 */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Epoch milliseconds. */
export const Millis = Type.Integer({ description: 'epoch milliseconds' });

/** Any JSON object (passed through as it is). */
export const AnyObject = Type.Object({}, { additionalProperties: true });

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'stable error code, PACS_E_*' }),
    message: Type.String(),
    details: Type.Optional(AnyObject),
  },
  { description: 'an error' },
);

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const UidParams = Type.Object({ uid: Type.String({ pattern: '^[0-9.]{1,64}$', description: 'a DICOM UID' }) });
export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });
const Offset = Type.Integer({ minimum: 0, default: 0 });
export const Paging = { limit: Type.Optional(Limit), offset: Type.Optional(Offset) };

export const JobStateName = Type.Union(
  ['pending', 'running', 'done', 'failed', 'dead', 'cancelled', 'superseded'].map((s) => Type.Literal(s)),
);
export const DeliveryStateName = Type.Union(['pending', 'sending', 'done', 'dead', 'discarded'].map((s) => Type.Literal(s)));

export const JobView = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'series (render, enhance, derive) or forward (the originals sent untouched; done when created)' }),
  seriesUid: Type.String(),
  studyUid: Type.String(),
  ruleName: Type.String(),
  action: Type.Unknown({ description: 'the rule actions the job runs (windows, enhance, output, destinations; forward: destinations of the originals)' }),
  state: Type.String(),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  nextRunAt: Millis,
  lastError: Nullable(Type.String()),
  failedSlices: Type.Array(Type.Object({ sopInstanceUid: Type.String(), reasonCode: Type.String(), reason: Type.String() }), {
    description: 'source instances the job could not process (pixels that do not decode, undecodable transfer syntax); the others were derived',
  }),
  supersedesJobId: Nullable(Type.Integer()),
  progress: Type.Unknown({ description: 'window, slicesDone/slices, step/steps; null before the first heartbeat' }),
  owner: Nullable(Type.String()),
  heartbeatAt: Nullable(Millis),
  createdAt: Millis,
  updatedAt: Millis,
  startedAt: Nullable(Millis),
  finishedAt: Nullable(Millis),
});

export const DeliveryView = Type.Object({
  id: Type.Integer(),
  destination: Type.String(),
  sopInstanceUid: Type.String(),
  sopClassUid: Type.String(),
  transferSyntaxUid: Type.String(),
  seriesUid: Type.String(),
  path: Type.String(),
  jobId: Nullable(Type.Integer()),
  state: Type.String(),
  attempts: Type.Integer(),
  nextAttemptAt: Millis,
  lastStatus: Nullable(Type.Integer({ description: 'last DIMSE status' })),
  lastError: Nullable(Type.String()),
  createdAt: Millis,
  updatedAt: Millis,
  deliveredAt: Nullable(Millis),
  forwarded: Type.Boolean({ description: 'an original forwarded untouched (own transfer syntax only), not a derived object' }),
  inDoubt: Type.Boolean({ description: 'in flight when a previous process died; the destination is asked before it is sent again' }),
});

export const SeriesView = Type.Object({
  seriesUid: Type.String(),
  studyUid: Type.String(),
  modality: Nullable(Type.String()),
  description: Nullable(Type.String()),
  callingAe: Nullable(Type.String()),
  calledAe: Nullable(Type.String()),
  ownOutput: Type.Boolean(),
  firstReceivedAt: Millis,
  lastReceivedAt: Millis,
  instanceCount: Type.Integer(),
});

/** What a worklist shows of a study (null until an instance carrying it arrives). */
export const StudyAttributesView = Type.Object({
  patientName: Nullable(Type.String({ description: 'Person Name as received, component groups joined by =' })),
  patientId: Nullable(Type.String()),
  patientBirthDate: Nullable(Type.String({ description: 'DA, YYYYMMDD' })),
  accessionNumber: Nullable(Type.String()),
  studyDate: Nullable(Type.String({ description: 'DA, YYYYMMDD' })),
  studyTime: Nullable(Type.String({ description: 'TM, HHMMSS.FFFFFF' })),
  studyDescription: Nullable(Type.String()),
  referringPhysicianName: Nullable(Type.String()),
});

export const DerivedSeriesView = Type.Object({
  seriesUid: Type.String(),
  sourceSeriesUid: Type.String(),
  studyUid: Type.String(),
  jobId: Nullable(Type.Integer()),
  outputKind: Type.String(),
  seriesNumber: Nullable(Type.Integer()),
  description: Nullable(Type.String()),
  createdAt: Millis,
  purgedAt: Nullable(Type.Integer({ description: 'epoch ms when retention deleted its files from the spool; null while kept' })),
});

export const InstanceView = Type.Object({
  id: Type.Integer(),
  sopInstanceUid: Type.String(),
  sopClassUid: Type.String(),
  seriesUid: Type.String(),
  studyUid: Type.String(),
  transferSyntaxUid: Type.String(),
  instanceNumber: Nullable(Type.Integer()),
  path: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  associationId: Nullable(Type.String()),
  receivedAt: Millis,
  status: Type.String(),
  statusReason: Nullable(Type.String()),
  purgedAt: Nullable(Type.Integer({ description: 'epoch ms when retention deleted the file (the row stays as lineage); null while kept' })),
});

export const AssociationView = Type.Object({
  id: Type.String(),
  listener: Type.String(),
  transport: Type.String(),
  callingAe: Type.String(),
  calledAe: Type.String(),
  remoteHost: Type.String(),
  remotePort: Nullable(Type.Integer()),
  tls: Type.Boolean(),
  startedAt: Millis,
  endedAt: Nullable(Millis),
  outcome: Type.String(),
  rejectReason: Nullable(Type.String()),
  instancesReceived: Type.Integer(),
  bytesReceived: Type.Integer(),
  failures: Type.Integer(),
});

export const QuarantineView = Type.Object({
  id: Type.Integer(),
  associationId: Nullable(Type.String()),
  callingAe: Nullable(Type.String()),
  sopInstanceUid: Nullable(Type.String()),
  path: Type.String(),
  size: Type.Integer(),
  reasonCode: Type.String(),
  reason: Type.String(),
  dimseStatus: Type.Integer(),
  receivedAt: Millis,
  purgedAt: Nullable(Type.Integer({ description: 'epoch ms when retention deleted the file; null while kept' })),
});

export const ModelView = Type.Object({
  id: Type.String(),
  sha256: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  device: Type.Optional(Type.String()),
  loaded: Type.Boolean(),
  problem: Type.Optional(Type.String()),
  /** Why the model runs on another device than configured (e.g. CUDA requested, CPU used). */
  note: Type.Optional(Type.String()),
});

export const ExecutorView = Type.Object({
  kind: Type.Union([Type.Literal('local'), Type.Literal('bullmq')]),
  redisUp: Type.Optional(Type.Boolean()),
  workers: Type.Optional(Type.Integer()),
  jobs: Type.Optional(Type.Record(Type.String(), Type.Integer())),
});

export const ListenerView = Type.Object({
  name: Type.String(),
  aeTitle: Type.String(),
  host: Type.String(),
  port: Type.Integer(),
  transport: Type.String(),
  up: Type.Boolean(),
});

export const ConfigIssueView = Type.Object({
  file: Type.String(),
  line: Type.Integer(),
  column: Type.Integer(),
  path: Type.String(),
  message: Type.String(),
  /** `file:line:column: path: message`. */
  text: Type.String(),
});

/** Standard error responses of a route (merged into each route's `response`). */
export const errorResponses = (...codes: number[]): Record<number, typeof ErrorBody> =>
  Object.fromEntries(codes.map((c) => [c, ErrorBody]));
