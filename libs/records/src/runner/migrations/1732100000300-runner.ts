import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Runner1732100000300 implements MigrationInterface {
  name = 'Runner1732100000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS runner`);
    // Who runs a session now (a lease), and the stream version at which it last had nothing to do.
    // A session whose stream is past settled_version and has no live lease has work nobody does.
    await q.query(`
      CREATE TABLE runner.session_work (
        stream_id        text PRIMARY KEY,
        tenant_id        text NOT NULL,
        lease_owner      text,
        lease_expires_at timestamptz,
        settled_version  integer NOT NULL DEFAULT 0,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA runner CASCADE`);
  }
}
