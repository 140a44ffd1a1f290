import { ValidationError } from '@clawfleet/platform';
import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

/** A path or query parameter, parsed; a bad one is a 400 that names it. */
export function param<S extends z.ZodType>(schema: S, raw: unknown, name: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`${name}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export const Uuid = z.uuid();
export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** Documents `?limit=&cursor=` of a list. */
export const Paged = () =>
  applyDecorators(
    ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } }),
    ApiQuery({
      name: 'cursor',
      required: false,
      schema: { type: 'string' },
      description: 'nextCursor of the page before',
    }),
  );

/** A strict object: an unknown field is a 400 naming it, so no field can be set that the route does not name. */
export const strict = z.strictObject;

/** A 400 that names the field, as schema errors do: for a field this caller may not set. */
export const fieldError = (path: string, message: string) =>
  new z.ZodError([{ code: 'custom', path: [path], message, input: undefined }]);
