import { ValidationError } from '@clawfleet/platform';
import { z } from 'zod';
import type { Page, PageQuery } from './pagination';

/** A page key's time: ISO 8601 in UTC with microseconds, as the records give it. */
export const MicrosTime = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
  .refine((at) => !Number.isNaN(Date.parse(at)));

/**
 * An opaque cursor over a keyset (the last row's key, e.g. its time and id): base64url JSON, parsed
 * strictly on the way back, so a cursor this API did not give out is a 400 and never reaches SQL.
 */
export function keysetCursor<S extends z.ZodType>(key: S) {
  return {
    encode: (value: z.infer<S>) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url'),
    decode(cursor: string | undefined): z.infer<S> | undefined {
      if (cursor === undefined) return undefined;
      try {
        return key.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
      } catch {
        throw new ValidationError('cursor is not one this API gave out');
      }
    },
  };
}

/** Fetches limit+1 rows after the cursor's key, to know whether another page follows. */
export async function keysetPage<K, T, R>(
  query: z.infer<typeof PageQuery>,
  cursor: ReturnType<typeof keysetCursor<z.ZodType<K>>>,
  fetch: (page: { after?: K; limit: number }) => Promise<readonly T[]>,
  keyOf: (row: T) => K,
  view: (row: T) => R,
): Promise<Page<R>> {
  const rows = await fetch({ after: cursor.decode(query.cursor), limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  return {
    items: items.map(view),
    ...(rows.length > query.limit && { nextCursor: cursor.encode(keyOf(items.at(-1)!)) }),
  };
}

/** `?a=&b=` query parameters, parsed strictly: an unknown one is a 400, not ignored. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  return schema.parse(query ?? {});
}
