import type { FastifyInstance, RouteOptions } from 'fastify';

/** The parts of a route schema the OpenAPI document uses (fastify ignores the descriptive ones). */
export interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string | number, JsonSchema>;
  /** Request body media types (default application/json). */
  consumes?: string[];
  /** Response media types (default application/json). */
  produces?: string[];
  /** `[]` for a route that needs no authentication. */
  security?: Array<Record<string, string[]>>;
}

type JsonSchema = Record<string, unknown>;

/** One registered route, as collected by {@link collectRoutes}. */
export interface RouteDoc {
  method: string;
  url: string;
  schema?: RouteSchema;
}

/**
 * Records every route registered after this call (in this instance and its child plugins), for
 * the OpenAPI document: the docs come from the same schemas that validate the requests. The
 * HEAD routes fastify adds for each GET are left out.
 */
export function collectRoutes(app: FastifyInstance): RouteDoc[] {
  const routes: RouteDoc[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, schema: route.schema as RouteSchema | undefined });
    }
  });
  return routes;
}

/** Drops the Symbol keys TypeBox adds, and anything else that is not JSON. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `/api/jobs/:id/cancel` → `/api/jobs/{id}/cancel`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: JsonSchema | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function content(types: string[], schema: JsonSchema): Record<string, { schema: JsonSchema }> {
  return Object.fromEntries(types.map((t) => [t, { schema: t.startsWith('application/json') ? schema : binaryOrText(t, schema) }]));
}

function binaryOrText(type: string, schema: JsonSchema): JsonSchema {
  if (type.startsWith('text/')) return { type: 'string' };
  if (schema.type === 'string') return schema;
  return { type: 'string', contentMediaType: type };
}

function responses(schema: RouteSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const produces = schema.produces ?? ['application/json'];
  for (const [code, s] of Object.entries(schema.response ?? {})) {
    const { description, ...rest } = s;
    if (Number(code) >= 400) {
      // Every error has the same body: { code, message, details? }.
      out[code] = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
      continue;
    }
    out[code] = { description: (description as string | undefined) ?? 'success', content: content(produces, rest) };
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'success' };
  return out;
}

/** Document-level facts the routes do not carry. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/**
 * Builds an OpenAPI 3.1 document from the collected routes. OpenAPI 3.1 uses JSON Schema 2020-12,
 * so the route schemas go in unchanged. Authentication is a bearer token, or basic auth with the
 * token as password, on every route whose schema does not say `security: []`; `x-required-role`
 * names the least role a route needs.
 */
export function buildOpenApiDocument(
  routes: RouteDoc[],
  info: OpenApiInfo,
  errorSchema: JsonSchema = {},
  requiredRole: (method: string, url: string) => string | undefined = () => undefined,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const s = plain(r.schema ?? {});
    const path = openApiPath(r.url);
    const operation: Record<string, unknown> = {
      operationId: `${r.method.toLowerCase()} ${path}`,
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.description ? { description: s.description } : {}),
      ...(s.tags ? { tags: s.tags } : {}),
      parameters: [...parameters(s.params, 'path'), ...parameters(s.querystring, 'query')],
      responses: responses(s),
    };
    if (s.body || s.consumes) {
      operation.requestBody = { required: true, content: content(s.consumes ?? ['application/json'], s.body ?? {}) };
    }
    if (s.security) operation.security = s.security;
    const role = requiredRole(r.method, r.url);
    if (role) operation['x-required-role'] = role;
    (paths[path] ??= {})[r.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: plain(errorSchema) },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: "a user's API token (api.auth), or api.token from node.yaml" },
        basicAuth: { type: 'http', scheme: 'basic', description: "a user's name and password (api.auth), or any user name with api.token as password" },
        stowBearer: { type: 'http', scheme: 'bearer', description: 'the token of a client in stow.clients (STOW-RS only)' },
        stowBasic: { type: 'http', scheme: 'basic', description: 'user and password of a client in stow.clients (STOW-RS only)' },
      },
    },
    security: [{ bearerAuth: [] }, { basicAuth: [] }],
  };
}

// The descriptive keys a route schema may carry for the OpenAPI document (fastify ignores them).
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    consumes?: string[];
    produces?: string[];
    security?: Array<Record<string, string[]>>;
  }
}
