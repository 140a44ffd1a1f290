import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A session no runner takes until it is released: its runs failed SESSION_MAX_FAILURES times in a row. */
export interface ParkedSession {
  readonly sessionId: string;
  readonly failures: number;
  readonly lastError: string | null;
  readonly parkedAt: Date;
}

const SESSION_PREFIX = 'session-';

/** The per-session circuit, as an operator sees it (the admin API will list and release through it). */
@Injectable()
export class ParkedSessions {
  constructor(private readonly dataSource: DataSource) {}

  /** The tenant's parked sessions, longest parked first. */
  async listParked(tenantId: string): Promise<ParkedSession[]> {
    const rows: Array<{ stream_id: string; failures: number; last_error: string | null; parked_at: Date }> =
      await this.dataSource.query(
        `SELECT stream_id, failures, last_error, parked_at FROM runner.session_work
         WHERE tenant_id = $1 AND parked_at IS NOT NULL ORDER BY parked_at, stream_id`,
        [tenantId],
      );
    return rows.map((r) => ({
      sessionId: r.stream_id.slice(SESSION_PREFIX.length),
      failures: r.failures,
      lastError: r.last_error,
      parkedAt: r.parked_at,
    }));
  }

  /**
   * Closes the circuit: the session's failures are forgotten and the next sweep resumes it.
   * Returns false when the tenant has no such parked session.
   */
  async release(tenantId: string, sessionId: string): Promise<boolean> {
    const [, count] = await this.dataSource.query(
      `UPDATE runner.session_work SET parked_at = NULL, failures = 0, updated_at = now()
       WHERE stream_id = $1 AND tenant_id = $2 AND parked_at IS NOT NULL`,
      [`${SESSION_PREFIX}${sessionId}`, tenantId],
    );
    return count === 1;
  }
}
