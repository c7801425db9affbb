import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import sharp from 'sharp';
import { windowSpecsOf } from '../../pipeline/stage-adapters.js';
import { readPart10 } from '../../dicom/part10.js';
import { findCurrentBySop } from '../../provenance/instances.js';
import { lineageOf } from '../../provenance/lineage.js';
import { renderDicom } from '../../render/render-dicom.js';
import type { RgbImage } from '../../render/rgb-image.js';
import { isKnownWindowName } from '../../render/window-presets.js';
import { errorMessage, isNodeError } from '../../shared/errors.js';
import type { ApiDeps } from '../api-deps.js';
import { BadRequestError, NotFoundError } from '../api-errors.js';
import { errorResponses, UidParams } from '../schemas.js';

const RenderQuery = Type.Object({
  window: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, default: 'file', description: 'a built-in or node.yaml window preset; colour images ignore it' }),
  ),
  frame: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'frame index of a multi-frame object' })),
});

const PNG = { 200: Type.String({ contentMediaType: 'image/png', description: 'an 8-bit RGB PNG' }) };

/** Encodes an RGB image as PNG (fast compression: these are viewed once and thrown away). */
export async function encodePng(image: RgbImage): Promise<Buffer> {
  const raw = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return sharp(raw, { raw: { width: image.width, height: image.height, channels: 3 } }).png({ compressionLevel: 3 }).toBuffer();
}

async function readDicomFile(path: string, what: string) {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new NotFoundError(`${what} file (${errorMessage(err)})`);
  }
  return readPart10(bytes);
}

/** Renders one frame; a frame index past the end is a 404, an unknown window a 400. */
async function renderFrame(path: string, what: string, windowName: string, frame: number, deps: ApiDeps): Promise<RgbImage> {
  const custom = windowSpecsOf(deps.config());
  if (!isKnownWindowName(windowName, custom)) throw new BadRequestError(`unknown window preset "${windowName}"`);
  const file = await readDicomFile(path, what);
  let frames;
  try {
    frames = await renderDicom(file, windowName, custom);
  } catch (err) {
    if (isNodeError(err)) throw err;
    throw new BadRequestError(`cannot render ${what}: ${errorMessage(err)}`);
  }
  const rendered = frames[frame];
  if (!rendered) throw new NotFoundError(`frame ${frame} of ${what} (it has ${frames.length})`);
  return rendered.image;
}

/**
 * PNGs rendered server-side for the dashboard's before/after viewer: a received instance windowed
 * the way the render stage windows it, and a derived instance's own RGB pixels.
 */
export function imageRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    app.get<{ Params: Static<typeof UidParams>; Querystring: Static<typeof RenderQuery> }>(
      '/api/instances/:uid/render.png',
      {
        schema: {
          summary: 'A received instance rendered to PNG with a window preset (modality LUT, VOI window, as the render stage does)',
          tags: ['images'],
          params: UidParams,
          querystring: RenderQuery,
          produces: ['image/png'],
          response: { ...PNG, ...errorResponses(400, 401, 404, 422) },
        },
      },
      async (request, reply) => {
        const uid = request.params.uid;
        const instance = findCurrentBySop(db, uid);
        if (!instance) throw new NotFoundError(`instance ${uid}`);
        if (instance.purgedAt !== null) throw new NotFoundError(`instance ${uid}: its file was purged by retention`);
        const image = await renderFrame(instance.path, `instance ${uid}`, request.query.window ?? 'file', request.query.frame ?? 0, deps);
        return reply.type('image/png').header('cache-control', 'private, no-cache').send(await encodePng(image));
      },
    );

    app.get<{ Params: Static<typeof UidParams> }>(
      '/api/derived/:uid.png',
      {
        schema: {
          summary: "A derived instance's RGB pixels as PNG (the object this node wrote and sent)",
          tags: ['images'],
          params: UidParams,
          produces: ['image/png'],
          response: { ...PNG, ...errorResponses(400, 401, 404, 422) },
        },
      },
      async (request, reply) => {
        const uid = request.params.uid;
        const derivation = lineageOf(db, uid).derivedFrom?.derivation;
        if (!derivation) throw new NotFoundError(`derived instance ${uid}`);
        if (derivation.purgedAt !== null) throw new NotFoundError(`derived instance ${uid}: its file was purged by retention`);
        // Derived objects are RGB: rendering converts colour without windowing, so `file` is moot.
        const image = await renderFrame(derivation.path, `derived instance ${uid}`, 'file', 0, deps);
        return reply.type('image/png').header('cache-control', 'private, no-cache').send(await encodePng(image));
      },
    );
  };
}
