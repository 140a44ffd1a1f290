import { queryPrepared } from '@clawfleet/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { boundedLimit, Conditions, isoMicros, type PageRequest, type TimeKey } from '../keyset';

/** A session no runner takes until it is released: its runs failed SESSION_MAX_FAILURES times in a row. */
export interface ParkedSession {
  readonly sessionId: string;
  readonly failures: number;
  readonly lastError: string | null;
  readonly parkedAt: Date;
  /** The page key of this row (`parkedAt` with microseconds, and the stream id). */
  readonly key: TimeKey;
}

const SESSION_PREFIX = 'session-';

interface Row {
  stream_id: string;
  failures: number;
  last_error: string | null;
  parked_at: Date;
  parked_key: string;
}

const toParked = (r: Row): ParkedSession => ({
  sessionId: r.stream_id.slice(SESSION_PREFIX.length),
  failures: r.failures,
  lastError: r.last_error,
  parkedAt: r.parked_at,
  key: { at: r.parked_key, id: r.stream_id },
});

const COLUMNS = `stream_id, failures, last_error, parked_at, ${isoMicros('parked_at')} AS parked_key`;

/**
 * The per-session circuit as an operator sees it (`runner.session_work`, session-runner's table):
 * session-runner parks a session (`SessionLeases.fail`) and resumes it once released; the admin API
 * lists and releases through this class.
 */
export class ParkedSessions {
  constructor(private readonly dataSource: DataSource) {}

  /** The tenant's parked sessions, longest parked first, a page at a time. */
  async listParked(tenantId: string, page: PageRequest<TimeKey> = { limit: 1_000 }): Promise<ParkedSession[]> {
    const c = new Conditions().add('tenant_id = ?', tenantId).add('parked_at IS NOT NULL');
    if (page.after) c.add('(parked_at, stream_id) > (?::timestamptz, ?::text)', page.after.at, page.after.id);
    const limit = c.param(boundedLimit(page.limit));
    const { rows } = await queryPrepared<Row>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM runner.session_work WHERE ${c.where} ORDER BY parked_at, stream_id LIMIT $${limit}`,
      c.params,
    );
    return rows.map(toParked);
  }

  /** The session's circuit when it is parked; undefined when it is not (or is another tenant's). */
  async parkedOf(tenantId: string, sessionId: string): Promise<ParkedSession | undefined> {
    const { rows } = await queryPrepared<Row>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM runner.session_work WHERE stream_id = $1 AND tenant_id = $2 AND parked_at IS NOT NULL`,
      [`${SESSION_PREFIX}${sessionId}`, tenantId],
    );
    return rows[0] && toParked(rows[0]);
  }

  /**
   * Closes the circuit: the session's failures are forgotten and the next sweep resumes it.
   * Returns false when the tenant has no such parked session. `manager`: inside the caller's
   * transaction (with its audit event).
   */
  async release(tenantId: string, sessionId: string, manager?: EntityManager): Promise<boolean> {
    const sql = `UPDATE runner.session_work SET parked_at = NULL, failures = 0, updated_at = now()
       WHERE stream_id = $1 AND tenant_id = $2 AND parked_at IS NOT NULL`;
    const params = [`${SESSION_PREFIX}${sessionId}`, tenantId];
    if (manager) {
      const [, count] = (await manager.query(sql, params)) as [unknown, number];
      return count === 1;
    }
    return (await queryPrepared(this.dataSource, sql, params)).rowCount === 1;
  }
}
