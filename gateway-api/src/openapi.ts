/** The OpenAPI 3.1 document, generated from the same route declarations and zod schemas that validate requests. */
import { z } from 'zod';
import type { RouteSpec } from './http/route';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete generated.$schema;
  return generated;
}

function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
}

function parameters(spec: RouteSpec): JsonSchema[] {
  const inPath = Object.entries(shapeOf(spec.params)).map(([name, schema]) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(schema),
    ...(schema.description ? { description: schema.description } : {}),
  }));
  const inQuery = Object.entries(shapeOf(spec.query)).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !schema.safeParse(undefined).success,
    schema: jsonSchema(schema),
    ...(schema.description ? { description: schema.description } : {}),
  }));
  return [...inPath, ...inQuery];
}

const STATUS_TEXT: Record<number, string> = {
  400: 'invalid request (problem+json with `errors`)',
  401: 'missing or invalid bearer token',
  403: 'forbidden for this organisation or role, or user not enrolled',
  404: 'unknown record',
  406: 'none of the media types in Accept can be produced',
  409: 'hold, recall, duplicate or conflicting state',
  413: 'body larger than the limit',
  415: 'body is not application/json (EPCIS: application/json or application/ld+json)',
  501: 'not available on this instance',
  502: 'ledger or CA failure (a bug or misconfiguration)',
  503: 'peer unreachable (with Retry-After)',
};

function requestBody(spec: RouteSpec): JsonSchema {
  if (spec.body !== undefined)
    return { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } } };
  if (spec.rawBody === undefined) return {};
  const { schema, contentTypes } = spec.rawBody;
  return { requestBody: { required: true, content: Object.fromEntries(contentTypes.map((type) => [type, { schema }])) } };
}

function operation(spec: RouteSpec): JsonSchema {
  const errorStatuses = new Set<number>([
    ...(spec.errors ?? []),
    ...(spec.public ? [] : [401, 403, 503]),
    ...(spec.body || spec.rawBody ? [400, 413, 415] : []),
  ]);
  const responses: Record<string, unknown> = {
    [String(spec.success.status)]: {
      description: spec.success.description,
      content: { [spec.success.contentType ?? 'application/json']: { schema: {} } },
    },
  };
  for (const status of [...errorStatuses].sort()) {
    responses[String(status)] = {
      description: STATUS_TEXT[status] ?? 'error',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    ...(spec.roles ? { 'x-roles': spec.roles } : {}),
    parameters: parameters(spec),
    ...requestBody(spec),
    responses,
    security: spec.public ? [] : [{ bearerAuth: [] }],
  };
}

/** Build the document for a set of routes. */
export function openApiDocument(specs: readonly RouteSpec[], info: { title: string; version: string; description: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = spec.path.replace(/\{\/\*[A-Za-z]+\}/g, '').replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] = { ...paths[path], [spec.method]: operation(spec) };
  }
  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (ES256; iss, aud, exp, sub, org)' } },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details with a stable `code`',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              description:
                'every violation: `{path, message}` for request schemas, `{pointer, reason}` (RFC 6901 JSON pointer) for EPCIS documents',
              items: {
                type: 'object',
                properties: {
                  path: { type: 'string' },
                  message: { type: 'string' },
                  pointer: { type: 'string' },
                  reason: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  };
}
