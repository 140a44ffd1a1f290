import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';

/** The OpenAPI 3.0 schema of a zod schema: request and response shapes are declared once, in zod. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/** Parses a request body; a ZodError becomes a 400 problem naming each field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  return schema.parse(body ?? {});
}

/** Documents a route's body and its success response from their zod schemas. */
export function Documented(options: {
  body?: z.ZodType;
  status: number;
  response?: z.ZodType;
  description: string;
  /** Response headers, e.g. the ETag of an editable resource. */
  headers?: Record<string, { description: string; schema: { type: 'string' } }>;
}) {
  return applyDecorators(
    ...(options.body ? [ApiBody({ schema: openApiSchema(options.body) })] : []),
    ApiResponse({
      status: options.status,
      description: options.description,
      ...(options.response && { schema: openApiSchema(options.response) }),
      ...(options.headers && { headers: options.headers }),
    }),
    ApiResponse({ status: 401, description: 'No API key, or one that is not valid' }),
  );
}
