import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UsageByModel1732100000840 implements MigrationInterface {
  name = 'UsageByModel1732100000840';

  async up(q: QueryRunner): Promise<void> {
    // The day's usage also by model, so one table (and one upsert per append) serves both the admin
    // API (per agent and day: summed over models) and /usage (an agent's tokens of the day by model).
    // Model '' holds what no model did: turns ended, and the rows from before the model was recorded.
    await q.query(`ALTER TABLE runner.usage_daily ADD COLUMN model text NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE runner.usage_daily DROP CONSTRAINT usage_daily_pkey`);
    await q.query(`ALTER TABLE runner.usage_daily ADD PRIMARY KEY (tenant_id, day, agent_id, model)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TEMP TABLE usage_summed ON COMMIT DROP AS
      SELECT tenant_id, day, agent_id, sum(input_tokens) AS i, sum(output_tokens) AS o,
             sum(model_calls)::int AS c, sum(turns)::int AS t
      FROM runner.usage_daily GROUP BY tenant_id, day, agent_id`);
    await q.query(`DELETE FROM runner.usage_daily`);
    await q.query(`ALTER TABLE runner.usage_daily DROP CONSTRAINT usage_daily_pkey`);
    await q.query(`ALTER TABLE runner.usage_daily DROP COLUMN model`);
    await q.query(`ALTER TABLE runner.usage_daily ADD PRIMARY KEY (tenant_id, day, agent_id)`);
    await q.query(`
      INSERT INTO runner.usage_daily (tenant_id, day, agent_id, input_tokens, output_tokens, model_calls, turns)
      SELECT tenant_id, day, agent_id, i, o, c, t FROM usage_summed`);
  }
}
