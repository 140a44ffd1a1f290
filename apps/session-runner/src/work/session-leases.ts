import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface SessionRef {
  readonly tenantId: string;
  readonly streamId: string;
}

/**
 * One writer per session: a runner works on a session only while it holds its lease. The expected
 * version of every append fences off a runner whose lease ran out while it was still working.
 */
@Injectable()
export class SessionLeases {
  constructor(private readonly dataSource: DataSource) {}

  async claim(session: SessionRef, owner: string, ttlMs: number): Promise<boolean> {
    const rows = await this.dataSource.query(
      `INSERT INTO runner.session_work (stream_id, tenant_id, lease_owner, lease_expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (stream_id) DO UPDATE
         SET lease_owner = $3, lease_expires_at = EXCLUDED.lease_expires_at, updated_at = now()
         WHERE runner.session_work.tenant_id = $2
           AND (runner.session_work.lease_owner IS NULL OR runner.session_work.lease_owner = $3
                OR runner.session_work.lease_expires_at < now())
       RETURNING stream_id`,
      [session.streamId, session.tenantId, owner, ttlMs],
    );
    return rows.length === 1;
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
    const [, count] = await this.dataSource.query(
      `UPDATE runner.session_work SET lease_owner = NULL, lease_expires_at = NULL, settled_version = $3, updated_at = now()
       WHERE stream_id = $1 AND lease_owner = $2
         AND (SELECT version FROM eventstore.streams WHERE stream_id = $1) = $3`,
      [session.streamId, owner, version],
    );
    return count === 1;
  }

  /** Hands the session back unsettled (shutdown, failure): another runner picks it up at once. */
  async abandon(session: SessionRef, owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE runner.session_work SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE stream_id = $1 AND lease_owner = $2`,
      [session.streamId, owner],
    );
  }

  /** Sessions with recorded work past their settled version that no live lease covers. */
  async findOrphaned(limit: number): Promise<SessionRef[]> {
    const rows: Array<{ stream_id: string; tenant_id: string }> = await this.dataSource.query(
      `SELECT s.stream_id, s.tenant_id FROM eventstore.streams s
       LEFT JOIN runner.session_work w ON w.stream_id = s.stream_id
       WHERE s.stream_id LIKE 'session-%'
         AND (w.stream_id IS NULL OR (s.version > w.settled_version AND (w.lease_owner IS NULL OR w.lease_expires_at < now())))
       LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, streamId: r.stream_id }));
  }
}
