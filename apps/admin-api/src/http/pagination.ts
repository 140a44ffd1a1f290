import { ValidationError } from '@clawfleet/platform';
import { z } from 'zod';

/** `?limit=&cursor=`: a page of at most `limit` items after the cursor. Cursors are opaque to clients. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

export const encodeCursor = (after: string) => Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');

/** The cursor's `after`: a time-ordered UUID, or `key` for lists keyed otherwise (ids chosen by clients, versions). */
export function decodeCursor(cursor: string | undefined, key: z.ZodType<string> = z.uuid()): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = z.object({ after: key }).parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.after;
  } catch {
    throw new ValidationError('cursor is not one this API gave out');
  }
}

/** Fetches limit+1 rows to know whether another page follows. */
export async function pageOf<T, R>(
  query: z.infer<typeof PageQuery>,
  fetch: (page: { after?: string; limit: number }) => Promise<readonly T[]>,
  view: (row: T) => R,
  keyed: { key?: z.ZodType<string>; of?: (row: T) => string } = {},
): Promise<Page<R>> {
  const rows = await fetch({ after: decodeCursor(query.cursor, keyed.key), limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const keyOf = keyed.of ?? ((row: T) => (row as { id: string }).id);
  return {
    items: items.map(view),
    ...(rows.length > query.limit && { nextCursor: encodeCursor(keyOf(items.at(-1)!)) }),
  };
}

export const pageSchema = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().optional() });
