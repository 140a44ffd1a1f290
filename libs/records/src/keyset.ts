/**
 * Keyset pages over `(time, id)`: a page starts after the last row of the one before, so a deep page
 * costs what the first does (never OFFSET). Times travel as ISO text with microseconds, exactly as
 * PostgreSQL keeps them (a JavaScript Date would round them to milliseconds and skip or repeat rows).
 */
export interface TimeKey {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, from `isoMicros(column)`. */
  readonly at: string;
  readonly id: string;
}

/** A page: at most `limit` rows after `after` (none: from the start). */
export interface PageRequest<K> {
  readonly after?: K;
  readonly limit: number;
}

/** SQL of a timestamptz column as ISO 8601 text in UTC with microseconds, for a `TimeKey`. */
export const isoMicros = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Keeps `limit` within what any list may ask for at once. */
export const boundedLimit = (limit: number) => Math.max(1, Math.min(Math.trunc(limit), 1_000));

/** Builds a WHERE clause with numbered parameters, condition by condition. */
export class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  /** Adds `sql`, where `?` stands for the next parameter, once per value given. */
  add(sql: string, ...values: unknown[]): this {
    let i = 0;
    this.parts.push(sql.replace(/\?/g, () => `$${this.param(values[i++])}`));
    return this;
  }

  /** The parameter's number. */
  param(value: unknown): number {
    this.params.push(value);
    return this.params.length;
  }

  get where(): string {
    return this.parts.join(' AND ');
  }
}
