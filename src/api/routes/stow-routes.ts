import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { ResolvedStowClient } from '../../config/resolve-stow.js';
import { getInstance } from '../../provenance/instances.js';
import { getQuarantine } from '../../provenance/quarantine.js';
import type { Db } from '../../provenance/database.js';
import type { IngestResult } from '../../receive/receive-types.js';
import { parseStowContentType } from '../../receive-web/stow-media-type.js';
import { storeParts } from '../../receive-web/stow-parts.js';
import { StowRequestLog, STOW_TRANSPORT, type StowPeer } from '../../receive-web/stow-request-log.js';
import { storeInstancesResponse, stowHttpStatus } from '../../receive-web/stow-response.js';
import { errorMessage } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';
import { AnyObject, errorResponses } from '../schemas.js';
import { authenticateStowClient, stowAuthChallenges } from '../stow-client-auth.js';

const MiB = 1024 * 1024;
/** Seconds a client is asked to wait after a 503 (the disk guard polls every 5 s). */
const RETRY_AFTER_SECONDS = 30;

/** SOP Class / Instance UID of what the receiver stored or quarantined, from its row. */
function identify(db: Db, result: IngestResult): { sopClassUid?: string; sopInstanceUid?: string } | undefined {
  if (result.instanceId !== undefined) {
    const row = getInstance(db, result.instanceId);
    return row && { sopClassUid: row.sopClassUid, sopInstanceUid: row.sopInstanceUid };
  }
  if (result.quarantineId !== undefined) {
    const row = getQuarantine(db, result.quarantineId);
    return row?.sopInstanceUid ? { sopInstanceUid: row.sopInstanceUid } : undefined;
  }
  return undefined;
}

const schema = (withStudy: boolean) => ({
  summary: withStudy ? 'STOW-RS: store instances of one study (PS3.18 10.5)' : 'STOW-RS: store instances (PS3.18 10.5)',
  description:
    'DICOMweb input, on when node.yaml has a `stow:` section (else 404). Body: multipart/related; type="application/dicom", one Part-10 object per part. ' +
    'Authenticated as one of stow.clients (Bearer token or Basic user/password, not the API token); 403 when that client is not allowed from the caller\'s address. ' +
    'Each instance is answered only after it is durably spooled (or quarantined with its reason), as a C-STORE is. ' +
    'Answer: application/dicom+json Store Instances Response (PS3.18 Annex I) with 200 (all stored), 202 (some failed) or 409 (none stored; same body); ' +
    '415 wrong media type, 413 body or instance over stow.maxRequestMb / limits.maxInstanceMb, 503 with Retry-After while the disk or queue guard refuses.' +
    (withStudy ? ' An instance of another study fails with Failure Reason 0xA900.' : ''),
  tags: ['dicomweb'],
  consumes: ['multipart/related'],
  produces: ['application/dicom+json'],
  security: [{ stowBearer: [] }, { stowBasic: [] }] as Array<Record<string, string[]>>,
  ...(withStudy ? { params: Type.Object({ study: Type.String({ description: 'Study Instance UID every instance must carry' }) }) } : {}),
  response: {
    200: { ...AnyObject, description: 'every instance stored' },
    202: { ...AnyObject, description: 'some instances stored, others failed (Failed SOP Sequence)' },
    ...errorResponses(400, 401, 403, 404, 413, 415, 503),
  },
});

/**
 * The STOW-RS input (PS3.18 10.5): POST /dicom-web/studies and /dicom-web/studies/{study}. Bodies
 * stream to the receiver unparsed: the API-wide body limit and parsers do not apply here, the
 * request's own limits do (stow.maxRequestMb, limits.maxInstanceMb, stow.maxInstancesPerRequest).
 * The route authenticates its clients itself (ROUTE_ACCESS `own`) and reads the config per
 * request, so a reload adds or removes clients, or turns the input off.
 */
export function stowRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const requestLog = new StowRequestLog(deps.db);
    const clients = new WeakMap<FastifyRequest, ResolvedStowClient>();
    const peerOf = (request: FastifyRequest, client: ResolvedStowClient): StowPeer => ({
      callingAe: client.name,
      calledAe: deps.config().stow?.aeTitle ?? '',
      remoteHost: request.ip,
      remotePort: request.socket.remotePort,
      tls: request.protocol === 'https',
    });

    /** A refusal before the body is read: recorded as a rejected request; the connection closes, as the body stays unread. */
    const refuse = (request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, client?: ResolvedStowClient) => {
      if (client) {
        try {
          requestLog.reject(peerOf(request, client), `HTTP ${status}: ${message}`);
        } catch (err) {
          request.log.error({ err: errorMessage(err) }, 'cannot record a refused STOW-RS request');
        }
        deps.metrics?.associationRejected(STOW_TRANSPORT, String(status));
      }
      request.log.warn({ client: client?.name, ip: request.ip, status, code, reason: message }, 'STOW-RS request refused');
      return reply.code(status).header('connection', 'close').send({ code, message });
    };

    app.addHook('onRequest', async (request, reply) => {
      const stow = deps.config().stow;
      if (!stow || !deps.stow) {
        return reply.code(404).header('connection', 'close').send({ code: 'PACS_E_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
      }
      const decision = authenticateStowClient(request.headers.authorization, request.ip, stow.clients);
      if (decision.ok) {
        clients.set(request, decision.client);
        return;
      }
      if (decision.status === 401) reply.header('www-authenticate', stowAuthChallenges(request.headers.authorization));
      const code = decision.status === 401 ? 'PACS_E_UNAUTHORIZED' : 'PACS_E_FORBIDDEN';
      const message = decision.status === 401 ? (request.headers.authorization ? 'invalid credentials' : 'authentication required') : 'this client may not store from this address';
      request.log.debug({ why: decision.why }, 'STOW-RS credentials refused');
      return refuse(request, reply, decision.status, code, message, decision.status === 403 ? decision.client : undefined);
    });

    const handler = async (request: FastifyRequest<{ Params: { study?: string } }>, reply: FastifyReply) => {
      const stow = deps.config().stow!;
      const receiver = deps.stow!;
      const client = clients.get(request)!;
      const media = parseStowContentType(request.headers['content-type']);
      if (!media.ok) return refuse(request, reply, 415, 'PACS_E_UNSUPPORTED_MEDIA_TYPE', media.reason, client);
      const maxRequestBytes = stow.maxRequestMb * MiB;
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > maxRequestBytes) {
        return refuse(request, reply, 413, 'PACS_E_TOO_LARGE', `the request of ${declared} bytes exceeds stow.maxRequestMb (${stow.maxRequestMb} MiB)`, client);
      }
      // The guards that refuse new associations (C-STORE) refuse new requests here.
      if (receiver.isDiskLow()) {
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        return refuse(request, reply, 503, 'PACS_E_DISK_FULL', 'disk space below threshold; try again later', client);
      }
      if (receiver.isQueueFull()) {
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        return refuse(request, reply, 503, 'PACS_E_QUEUE_FULL', 'queue depth at its limit; try again later', client);
      }

      const peer = peerOf(request, client);
      const id = requestLog.open(peer);
      deps.metrics?.associationAccepted(STOW_TRANSPORT);
      let result;
      try {
        result = await storeParts(
          request.body as Readable,
          {
            boundary: media.boundary,
            studyUid: request.params.study,
            callingAe: peer.callingAe,
            calledAe: peer.calledAe,
            associationId: id,
            maxPartBytes: deps.config().limits.maxInstanceMb * MiB,
            maxRequestBytes,
            maxParts: stow.maxInstancesPerRequest,
          },
          {
            ingest: (input) => receiver.ingest(input),
            identify: (r) => identify(deps.db, r),
            onRefused: (bytes) => requestLog.countFailure(id, bytes),
          },
        );
      } catch (err) {
        // The body stream failed: the client went away or the connection broke mid-request.
        const aborted = request.raw.destroyed || request.raw.readableAborted;
        requestLog.close(id, aborted ? 'aborted' : 'error', errorMessage(err));
        if (!aborted) throw err;
        // Nobody is left to answer; the instances taken in before stay stored.
        request.log.warn({ associationId: id, client: client.name, err: errorMessage(err) }, 'STOW-RS client went away mid-request');
        return reply.hijack();
      }
      const { outcomes, stop } = result;
      const stored = outcomes.filter((o) => o.kind === 'stored').length;
      const failed = outcomes.length - stored;
      const fields = { associationId: id, client: client.name, stored, failed, study: request.params.study };
      if (stop) {
        requestLog.close(id, 'error', stop.message);
        request.log.warn({ ...fields, reason: stop.message }, 'STOW-RS request stopped; the instances before it are kept');
        return reply.code(stop.httpStatus).header('connection', 'close').send({ code: stop.code, message: stop.message, details: { stored, failed } });
      }
      requestLog.close(id, 'released');
      for (const o of outcomes) if (o.kind === 'failed') request.log.info({ associationId: id, sopInstanceUid: o.sopInstanceUid, reason: o.reason, why: o.why }, 'STOW-RS instance failed');
      const status = stowHttpStatus(outcomes);
      if (status === 400) return reply.code(400).send({ code: 'PACS_E_BAD_REQUEST', message: 'the request holds no instance' });
      request.log.info(fields, 'STOW-RS request');
      return reply.code(status).type('application/dicom+json').send(JSON.stringify(storeInstancesResponse(outcomes)));
    };

    app.post('/dicom-web/studies', { schema: schema(false) }, handler);
    app.post('/dicom-web/studies/:study', { schema: schema(true) }, handler);
  };
}
