import { queryPrepared } from '@clawfleet/platform';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { DataSource } from 'typeorm';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Ended windows are deleted this often (by every replica; the statement is cheap and idempotent). */
const SWEEP_MS = 60_000;

/**
 * Rate-limit counters in PostgreSQL, shared by every admin-api replica: one fixed window per tracker,
 * counted by a single atomic upsert, so N replicas together allow exactly the limit. A tracker over
 * its limit is refused until its window ends (`timeToBlockExpire`); requests meanwhile still count.
 */
export class PgThrottlerStorage implements ThrottlerStorage {
  private sweptAt = Date.now();

  constructor(private readonly dataSource: DataSource) {}

  /** `blockDuration` is the window's end: a tracker over its limit waits for the next window. */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration?: number,
    _throttlerName?: string,
  ): Promise<ThrottlerStorageRecord> {
    if (Date.now() - this.sweptAt > SWEEP_MS) {
      this.sweptAt = Date.now();
      this.dataSource
        .query(`DELETE FROM admin.rate_limits WHERE window_ends_at < now() - interval '1 minute'`)
        .catch(() => undefined);
    }
    const {
      rows: [row],
    } = await queryPrepared<{ hits: number; ms_left: number }>(
      this.dataSource,
      `INSERT INTO admin.rate_limits AS r (key, hits, window_ends_at)
       VALUES ($1, 1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.window_ends_at <= now() THEN 1 ELSE r.hits + 1 END,
         window_ends_at = CASE WHEN r.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE r.window_ends_at END
       RETURNING hits, GREATEST(0, extract(epoch FROM window_ends_at - now()) * 1000)::float8 AS ms_left`,
      [key, ttl],
    );
    const secondsLeft = Math.max(1, Math.ceil(row!.ms_left / 1_000));
    const isBlocked = row!.hits > limit;
    return {
      totalHits: row!.hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }
}
