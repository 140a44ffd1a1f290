import type { AlongsideWrite } from '@clawfleet/event-store';
import { queryPrepared } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface SessionRef {
  readonly tenantId: string;
  readonly streamId: string;
}

// A claim ($1 stream, $2 tenant, $3 owner, $4 ttl ms) takes the lease if it is free, already the
// claimant's, or ran out; never another tenant's session, nor a parked one. It returns a row only when it took the lease.
const CLAIM = `INSERT INTO runner.session_work (stream_id, tenant_id, lease_owner, lease_expires_at)`;
const UNLESS_HELD = `ON CONFLICT (stream_id) DO UPDATE
    SET lease_owner = $3, lease_expires_at = EXCLUDED.lease_expires_at, updated_at = now()
    WHERE runner.session_work.tenant_id = $2 AND runner.session_work.parked_at IS NULL
      AND (runner.session_work.lease_owner IS NULL OR runner.session_work.lease_owner = $3
           OR runner.session_work.lease_expires_at < now())
  RETURNING stream_id`;

/**
 * One writer per session: a runner works on a session only while it holds its lease. The expected
 * version of every append fences off a runner whose lease ran out while it was still working.
 */
@Injectable()
export class SessionLeases {
  constructor(private readonly dataSource: DataSource) {}

  async claim(session: SessionRef, owner: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await queryPrepared(
      this.dataSource,
      `${CLAIM} VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond') ${UNLESS_HELD}`,
      [session.streamId, session.tenantId, owner, ttlMs],
    );
    return rowCount === 1;
  }

  /**
   * `claim`, as a write alongside an append to the session's stream (intake recording a message): the
   * recording process takes the session in the same statement, and starts on the state it just wrote.
   */
  claimAlongside(session: SessionRef, owner: string, ttlMs: number): AlongsideWrite {
    return {
      sql: `${CLAIM} SELECT $1, $2, $3, now() + $4 * interval '1 millisecond'
            WHERE EXISTS (SELECT 1 FROM appended) ${UNLESS_HELD}`,
      params: [session.streamId, session.tenantId, owner, ttlMs],
    };
  }

  async renew(session: SessionRef, owner: string, ttlMs: number): Promise<boolean> {
    const [, count] = await this.dataSource.query(
      `UPDATE runner.session_work SET lease_expires_at = now() + $3 * interval '1 millisecond', updated_at = now()
       WHERE stream_id = $1 AND lease_owner = $2`,
      [session.streamId, owner, ttlMs],
    );
    return count === 1;
  }

  /**
   * Gives the session up as settled at `version`, unless its stream moved on meanwhile (a message
   * arrived while the runner was finishing): then the runner keeps the lease and goes on.
   */
  async settle(session: SessionRef, owner: string, version: number): Promise<boolean> {
    const { rowCount } = await queryPrepared(
      this.dataSource,
      `UPDATE runner.session_work SET lease_owner = NULL, lease_expires_at = NULL, settled_version = $3, failures = 0, updated_at = now()
       WHERE stream_id = $1 AND lease_owner = $2
         AND (SELECT version FROM eventstore.streams WHERE stream_id = $1) = $3`,
      [session.streamId, owner, version],
    );
    return rowCount === 1;
  }

  /**
   * `settle`, as a write alongside the runner's last append before it waits: the session is given up
   * at the version that append reaches, in the same statement. An append that does not happen (the
   * stream moved on) settles nothing.
   */
  settleAlongside(session: SessionRef, owner: string): AlongsideWrite {
    return {
      sql: `UPDATE runner.session_work
            SET lease_owner = NULL, lease_expires_at = NULL, settled_version = (SELECT version FROM appended),
                failures = 0, updated_at = now()
            WHERE stream_id = $1 AND lease_owner = $2 AND EXISTS (SELECT 1 FROM appended)
            RETURNING stream_id`,
      params: [session.streamId, owner],
    };
  }

  /** Hands the session back unsettled (shutdown, failure): another runner picks it up at once. */
  async abandon(session: SessionRef, owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE runner.session_work SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE stream_id = $1 AND lease_owner = $2`,
      [session.streamId, owner],
    );
  }

  /**
   * Hands the session back after a run that failed (not a lost lease), counting the failure; the
   * `maxFailures`-th in a row since it last settled parks it. Returns whether it is parked now.
   */
  async fail(session: SessionRef, owner: string, error: string, maxFailures: number): Promise<boolean> {
    const { rows } = await queryPrepared<{ parked: boolean }>(
      this.dataSource,
      `UPDATE runner.session_work
       SET lease_owner = NULL, lease_expires_at = NULL, failures = failures + 1, last_error = left($3, 1000),
           parked_at = CASE WHEN failures + 1 >= $4 THEN now() ELSE parked_at END, updated_at = now()
       WHERE stream_id = $1 AND lease_owner = $2
       RETURNING parked_at IS NOT NULL AS parked`,
      [session.streamId, owner, error, maxFailures],
    );
    return rows[0]?.parked === true;
  }

  /** Sessions with recorded work past their settled version that no live lease covers, and not parked. */
  async findOrphaned(limit: number): Promise<SessionRef[]> {
    const rows: Array<{ stream_id: string; tenant_id: string }> = await this.dataSource.query(
      `SELECT s.stream_id, s.tenant_id FROM eventstore.streams s
       LEFT JOIN runner.session_work w ON w.stream_id = s.stream_id
       WHERE s.stream_id LIKE 'session-%'
         AND (w.stream_id IS NULL OR (s.version > w.settled_version AND w.parked_at IS NULL
              AND (w.lease_owner IS NULL OR w.lease_expires_at < now())))
       LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, streamId: r.stream_id }));
  }
}
