import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../api-errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The folder of the front end (plain ES modules, HTML and CSS, no build step), beside this module:
 * src/api/dashboard/public in a checkout, dist/api/dashboard/public in a build (`npm run build`
 * copies it there), so an installed package never reaches back into src/.
 */
export function dashboardAssetDir(): string {
  return fileURLToPath(new URL('./public/', import.meta.url));
}

const FileParams = Type.Object({ file: Type.String({ pattern: '^[a-z0-9-]+\\.(js|css|svg)$' }) });

/** GET / and /dashboard (the page) and /dashboard/assets/:file (its scripts and styles). */
export function dashboardRoutes(opts: { assetDir?: string } = {}): FastifyPluginAsync {
  const dir = opts.assetDir ?? dashboardAssetDir();
  // Only files present at start-up are served; the name pattern already rules out paths.
  const files = new Set(existsSync(dir) ? readdirSync(dir).filter((f) => CONTENT_TYPES[extname(f)]) : []);
  const page = { summary: 'The dashboard (HTML page; asks for the API token when one is configured)', tags: ['dashboard'], security: [], produces: ['text/html'] };

  return async (app) => {
    const sendFile = async (name: string, reply: import('fastify').FastifyReply) => {
      if (!files.has(name)) throw new NotFoundError(`dashboard file ${name}`);
      const body = await readFile(join(dir, name));
      return reply.type(CONTENT_TYPES[extname(name)]!).header('cache-control', 'no-cache').send(body);
    };
    app.get('/', { schema: page }, async (_request, reply) => sendFile('index.html', reply));
    app.get('/dashboard', { schema: page }, async (_request, reply) => sendFile('index.html', reply));
    app.get<{ Params: Static<typeof FileParams> }>(
      '/dashboard/assets/:file',
      { schema: { summary: 'A script or style sheet of the dashboard', tags: ['dashboard'], security: [], params: FileParams, produces: ['text/javascript', 'text/css'] } },
      async (request, reply) => sendFile(request.params.file, reply),
    );
  };
}
