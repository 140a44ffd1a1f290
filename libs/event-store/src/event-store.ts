import { ConflictError, queryPrepared, ValidationError } from '@clawfleet/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { NewEvent, OutboxMessage, RecordedEvent, Snapshot } from './types';

export const OUTBOX_CHANNEL = 'eventstore_outbox';

interface EventRow {
  stream_id: string;
  tenant_id: string;
  version: number;
  global_position: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

const toRecorded = (row: EventRow): RecordedEvent => ({
  streamId: row.stream_id,
  tenantId: row.tenant_id,
  version: row.version,
  globalPosition: BigInt(row.global_position),
  id: row.event_id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  recordedAt: row.recorded_at,
});

const COLUMNS = 'stream_id, tenant_id, version, global_position, event_id, type, data, metadata, recorded_at';

const APPEND_PARAMS = 14;

// One statement, one round trip: claim the expected version, insert the events and the outbox
// messages, run the caller's write alongside, and wake the relay. Nothing is written unless the
// stream was at the expected version.
const appendSql = (newStream: boolean, alongside?: string, also: readonly string[] = []) => `
  WITH appended AS (
    ${
      newStream
        ? `INSERT INTO eventstore.streams (stream_id, tenant_id, version) VALUES ($1, $2, $4)
           ON CONFLICT (stream_id) DO NOTHING RETURNING version`
        : `UPDATE eventstore.streams SET version = $4, updated_at = now()
           WHERE stream_id = $1 AND tenant_id = $2 AND version = $3 RETURNING version`
    }
  ), e AS (
    INSERT INTO eventstore.events (stream_id, tenant_id, version, event_id, type, data, metadata)
    SELECT $1, $2, $3 + u.n, u.id, u.type, u.data, u.metadata
    FROM unnest($5::uuid[], $6::text[], $7::jsonb[], $8::jsonb[]) WITH ORDINALITY AS u(id, type, data, metadata, n)
    WHERE EXISTS (SELECT 1 FROM appended)
    RETURNING global_position
  ), o AS (
    INSERT INTO eventstore.outbox (message_id, subject, payload, headers, owner)
    SELECT u.message_id, u.subject, u.payload, u.headers, $14::text
    FROM unnest($9::text[], $10::text[], $11::text[], $12::jsonb[]) AS u(message_id, subject, payload, headers)
    WHERE EXISTS (SELECT 1 FROM appended)
    RETURNING id
  )${alongside ? `, a AS (${alongside})` : ''}${also.map((sql, i) => `, a${i + 1} AS (${sql})`).join('')}
  SELECT (SELECT version FROM appended) AS version,
         ${alongside ? '(SELECT count(*) FROM a)::int' : '0'} AS alongside_rows,
         (SELECT max(global_position) FROM e) AS position,
         (SELECT array_agg(id ORDER BY id) FROM o) AS outbox_ids,
         CASE WHEN $13 AND EXISTS (SELECT 1 FROM o) THEN pg_notify('${OUTBOX_CHANNEL}', '') END AS notified`;

// The few texts an append can have (new stream or not, × each set of alongside writes), built once each.
const appendStatements = new Map<string, string>();
function appendStatement(newStream: boolean, alongside?: AlongsideWrite, also: readonly AlongsideWrite[] = []): string {
  const key = `${newStream}:${alongside?.sql ?? ''}${also.map((w) => `\u0000${w.sql}`).join('')}`;
  let sql = appendStatements.get(key);
  if (sql === undefined) {
    // Each write numbers its parameters from $1: shift them past the append's and the writes' before it
    // (a write's text fixes how many parameters it has).
    let offset = APPEND_PARAMS;
    const renumber = (write: AlongsideWrite) => {
      const base = offset;
      offset += write.params.length;
      return write.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + base}`);
    };
    sql = appendSql(newStream, alongside && renumber(alongside), also.map(renumber));
    appendStatements.set(key, sql);
  }
  return sql;
}

export interface AppendOptions {
  readonly outbox?: readonly OutboxMessage[];
  /** Run inside the caller's transaction, so its own writes commit with the events. */
  readonly manager?: EntityManager;
  /**
   * Wake the relay when the commit has outbox messages (default). Off when the caller publishes them
   * itself right after the commit (`OutboxRelay.publishNow`): the relay then only sweeps leftovers.
   */
  readonly notifyRelay?: boolean;
  /**
   * The service whose relay publishes the outbox messages (`OutboxRelayOptions.owner`): with one NATS
   * user per service, another service's relay would be refused. Absent: any relay takes them.
   */
  readonly outboxOwner?: string;
  /** A write that commits in the same statement as the events, and only if they are appended. */
  readonly alongside?: AlongsideWrite;
  /**
   * More writes of the same kind (read models kept with the stream: a session's summary, daily
   * usage); their rows are not counted. They need no RETURNING.
   */
  readonly also?: readonly AlongsideWrite[];
}

/**
 * A data-modifying statement (INSERT/UPDATE/DELETE … RETURNING something) run as a CTE of the append.
 * It numbers its own parameters from $1, and reads the stream's new version as
 * `(SELECT version FROM appended)`, which is empty when the append does not happen: guard with
 * `WHERE EXISTS (SELECT 1 FROM appended)`. No `$` may appear in it other than its parameters.
 */
export interface AlongsideWrite {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface AppendResult {
  readonly version: number;
  /** The ids of the outbox rows written, in order, for `OutboxRelay.publishNow`. */
  readonly outboxIds: string[];
  /** How many rows the alongside write returned (0 without one). */
  readonly alongsideRows: number;
}

/**
 * The PostgreSQL event store: streams of events with optimistic concurrency, snapshots, a global
 * log that never skips a late commit, and a transactional outbox. Every call is scoped by tenant.
 */
export class EventStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends events if the stream is at `expectedVersion` (0 for a new stream); returns the new version.
   * Throws ConflictError if another writer got there first or an event id was already recorded.
   */
  async append(
    tenantId: string,
    streamId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<number> {
    return (await this.appendWithOutbox(tenantId, streamId, expectedVersion, events, options)).version;
  }

  /** `append`, also returning the ids of the outbox rows it wrote. */
  async appendWithOutbox(
    tenantId: string,
    streamId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (events.length === 0) return { version: expectedVersion, outboxIds: [], alongsideRows: 0 };
    const outbox = options.outbox ?? [];
    const newVersion = expectedVersion + events.length;
    const params = [
      streamId,
      tenantId,
      expectedVersion,
      newVersion,
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata ?? {})),
      outbox.map((m) => m.messageId),
      outbox.map((m) => m.subject),
      outbox.map((m) => m.payload),
      outbox.map((m) => JSON.stringify(m.headers ?? {})),
      options.notifyRelay ?? true,
      options.outboxOwner ?? null,
      ...(options.alongside?.params ?? []),
      ...(options.also ?? []).flatMap((w) => w.params),
    ];
    const sql = appendStatement(expectedVersion === 0, options.alongside, options.also);
    let rows: Array<{ version: number | null; outbox_ids: string[] | null; alongside_rows: number }>;
    try {
      rows = options.manager
        ? await options.manager.query(sql, params)
        : (await queryPrepared<(typeof rows)[number]>(this.dataSource, sql, params)).rows;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new ConflictError(`append to ${streamId} conflicts with a recorded event`, { streamId });
      }
      throw unstorable(error, streamId) ?? error;
    }
    if (rows[0]?.version == null) {
      throw new ConflictError(`stream ${streamId} is not at version ${expectedVersion}`, { streamId, expectedVersion });
    }
    return {
      version: newVersion,
      outboxIds: (rows[0].outbox_ids ?? []).map(String),
      alongsideRows: rows[0].alongside_rows,
    };
  }

  /** The events of a stream after `afterVersion`, in order. Another tenant's stream reads as empty. */
  async readStream(
    tenantId: string,
    streamId: string,
    afterVersion = 0,
    manager?: EntityManager,
  ): Promise<RecordedEvent[]> {
    const sql = `SELECT ${COLUMNS} FROM eventstore.events
       WHERE stream_id = $1 AND tenant_id = $2 AND version > $3 ORDER BY version`;
    const params = [streamId, tenantId, afterVersion];
    const rows: EventRow[] = manager
      ? await manager.query(sql, params)
      : (await queryPrepared<EventRow>(this.dataSource, sql, params)).rows;
    return rows.map(toRecorded);
  }

  /**
   * At most `limit` events of a stream after `afterVersion`, in order: a page of its timeline, as
   * cheap at any depth (keyset on the stream's version). Another tenant's stream reads as empty.
   */
  async readStreamPage(tenantId: string, streamId: string, afterVersion: number, limit: number): Promise<RecordedEvent[]> {
    const { rows } = await queryPrepared<EventRow>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM eventstore.events
       WHERE stream_id = $1 AND tenant_id = $2 AND version > $3 ORDER BY version LIMIT $4`,
      [streamId, tenantId, afterVersion, limit],
    );
    return rows.map(toRecorded);
  }

  async streamVersion(tenantId: string, streamId: string): Promise<number> {
    const rows: Array<{ version: number }> = await this.dataSource.query(
      `SELECT version FROM eventstore.streams WHERE stream_id = $1 AND tenant_id = $2`,
      [streamId, tenantId],
    );
    return rows[0]?.version ?? 0;
  }

  /**
   * The global log after a position, for projections. Only events of transactions older than every
   * transaction still running are returned, so a transaction that took a lower position and commits
   * late is never skipped by a reader that has moved past it.
   */
  async readAll(afterPosition: bigint, limit = 500, tenantId?: string): Promise<RecordedEvent[]> {
    const rows: EventRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM eventstore.events
       WHERE global_position > $1
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         AND ($3::text IS NULL OR tenant_id = $3)
       ORDER BY global_position LIMIT $2`,
      [afterPosition.toString(), limit, tenantId ?? null],
    );
    return rows.map(toRecorded);
  }

  async loadSnapshot<S>(tenantId: string, streamId: string, schemaVersion: number): Promise<Snapshot<S> | undefined> {
    const rows: Array<{ version: number; schema_version: number; state: S }> = await this.dataSource.query(
      `SELECT version, schema_version, state FROM eventstore.snapshots
       WHERE stream_id = $1 AND tenant_id = $2 AND schema_version = $3`,
      [streamId, tenantId, schemaVersion],
    );
    const row = rows[0];
    return row && { version: row.version, schemaVersion: row.schema_version, state: row.state };
  }

  /** Keeps the newest snapshot only; an older one never replaces a newer one, nor another tenant's. */
  async saveSnapshot<S>(tenantId: string, streamId: string, snapshot: Snapshot<S>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO eventstore.snapshots (stream_id, tenant_id, version, schema_version, state)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (stream_id) DO UPDATE
         SET version = EXCLUDED.version, schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, taken_at = now()
         WHERE snapshots.tenant_id = EXCLUDED.tenant_id
           AND (snapshots.version < EXCLUDED.version OR snapshots.schema_version <> EXCLUDED.schema_version)`,
      [streamId, tenantId, snapshot.version, snapshot.schemaVersion, JSON.stringify(snapshot.state)],
    );
  }
}

/**
 * PostgreSQL refused the text of an append: the same append would fail every time. A
 * ValidationError (not retried), which names the problem instead of "unsupported Unicode escape
 * sequence" after many retries; its own class, so a writer can record the refusal instead.
 */
export class UnstorableError extends ValidationError {}

/**
 * The last guard: PostgreSQL refused the text of an event or a message (a NUL, a lone surrogate, or
 * a character a database not in UTF8 has no equivalent for). The producers prevent the first two (the
 * contracts refuse such text, session-runner sanitises what models and tools produce).
 */
function unstorable(error: unknown, streamId: string): UnstorableError | undefined {
  const { code, message = '', detail = '' } = error as { code?: string; message?: string; detail?: string };
  const text =
    code === '22P05' || // untranslatable_character: \u0000 in jsonb
    code === '22021' || // character_not_in_repertoire: a NUL byte in a text column
    (code === '22P02' && /surrogate|unicode/i.test(`${message} ${detail}`)); // a lone surrogate in jsonb
  if (!text) return undefined;
  return new UnstorableError(`the append to ${streamId} holds text that cannot be stored: ${message} (${detail})`, {
    streamId,
    pgCode: code,
  });
}
