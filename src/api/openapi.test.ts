import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, collectRoutes, openApiPath } from './openapi.js';

describe('OpenAPI from route schemas', () => {
  it('turns fastify path parameters into OpenAPI templates', () => {
    expect(openApiPath('/api/jobs/:id/cancel')).toBe('/api/jobs/{id}/cancel');
    expect(openApiPath('/api/lineage/:uid')).toBe('/api/lineage/{uid}');
    expect(openApiPath('/healthz')).toBe('/healthz');
  });

  it('collects routes registered in child plugins, without the HEAD twins, with parameters, bodies and responses', async () => {
    const app = Fastify();
    const routes = collectRoutes(app);
    await app.register(async (child) => {
      child.get('/things/:id', {
        schema: {
          summary: 'one thing',
          tags: ['things'],
          params: Type.Object({ id: Type.Integer({ description: 'thing id' }) }),
          querystring: Type.Object({ verbose: Type.Optional(Type.Boolean()), mode: Type.String() }),
          response: { 200: Type.Object({ id: Type.Integer() }), 404: Type.Object({ code: Type.String() }) },
        },
      }, async () => ({ id: 1 }));
      child.post('/upload', { schema: { consumes: ['application/dicom'], security: [] } }, async () => ({}));
    });
    await app.ready();
    const doc = buildOpenApiDocument(routes, { title: 't', version: '1' }, { type: 'object' }) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths).sort()).toEqual(['/things/{id}', '/upload']);
    expect(Object.keys(doc.paths['/things/{id}']!)).toEqual(['get']);
    const get = doc.paths['/things/{id}']!.get!;
    expect(get.parameters).toEqual([
      { name: 'id', in: 'path', required: true, description: 'thing id', schema: { type: 'integer' } },
      { name: 'verbose', in: 'query', required: false, schema: { type: 'boolean' } },
      { name: 'mode', in: 'query', required: true, schema: { type: 'string' } },
    ]);
    expect(get.responses).toEqual({
      200: { description: 'success', content: { 'application/json': { schema: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } } } },
      404: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    });
    const upload = doc.paths['/upload']!.post!;
    expect(upload.requestBody).toEqual({ required: true, content: { 'application/dicom': { schema: { type: 'string', contentMediaType: 'application/dicom' } } } });
    expect(upload.security).toEqual([]);
    expect(doc.components.schemas.Error).toEqual({ type: 'object' });
    await app.close();
  });
});
