import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RateLimits1732100000830 implements MigrationInterface {
  name = 'RateLimits1732100000830';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS admin`);
    // One fixed window per tracker (a key, or a client address without one), shared by every
    // admin-api replica: each request is one atomic upsert of its counter.
    await q.query(`
      CREATE TABLE admin.rate_limits (
        key            text PRIMARY KEY,
        hits           integer NOT NULL,
        window_ends_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX rate_limits_ended ON admin.rate_limits (window_ends_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA admin CASCADE`);
  }
}
