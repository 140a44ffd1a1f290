import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ParkedSessions1732100000500 implements MigrationInterface {
  name = 'ParkedSessions1732100000500';

  async up(q: QueryRunner): Promise<void> {
    // Runs of a session that failed in a row since it last settled; at SESSION_MAX_FAILURES the
    // session is parked: no runner takes it (sweep, intake) until an operator releases it.
    await q.query(`
      ALTER TABLE runner.session_work
        ADD COLUMN failures      integer NOT NULL DEFAULT 0,
        ADD COLUMN last_error    text,
        ADD COLUMN parked_at     timestamptz`);
    await q.query(
      `CREATE INDEX session_work_parked ON runner.session_work (tenant_id, parked_at) WHERE parked_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX runner.session_work_parked`);
    await q.query(
      `ALTER TABLE runner.session_work DROP COLUMN failures, DROP COLUMN last_error, DROP COLUMN parked_at`,
    );
  }
}
