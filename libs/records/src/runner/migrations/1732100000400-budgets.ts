import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Budgets1732100000400 implements MigrationInterface {
  name = 'Budgets1732100000400';

  async up(q: QueryRunner): Promise<void> {
    // Token budgets per scope (tenant, agent) and period (a calendar month, UTC).
    await q.query(`
      CREATE TABLE runner.token_budgets (
        scope        text NOT NULL CHECK (scope IN ('tenant', 'agent')),
        key          text NOT NULL,
        period       text NOT NULL,
        limit_tokens bigint NOT NULL,
        used_tokens  bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (scope, key, period)
      )`);
    // Tokens held for model calls in flight; a reservation of a runner that died expires by itself.
    await q.query(`
      CREATE TABLE runner.token_reservations (
        id         uuid NOT NULL,
        scope      text NOT NULL,
        key        text NOT NULL,
        period     text NOT NULL,
        tokens     bigint NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (id, scope)
      )`);
    await q.query(`CREATE INDEX token_reservations_budget ON runner.token_reservations (scope, key, period)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE runner.token_reservations`);
    await q.query(`DROP TABLE runner.token_budgets`);
  }
}
