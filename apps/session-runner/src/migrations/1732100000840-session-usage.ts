import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionUsage1732100000840 implements MigrationInterface {
  name = 'SessionUsage1732100000840';

  async up(q: QueryRunner): Promise<void> {
    // Tokens recorded per session, day (UTC) and model, written in the statement that records the
    // model responses (so counted once, with them): /usage sums an agent's rows of the day. A row per
    // session, not per agent, so sessions of one agent never wait on each other's row.
    await q.query(`
      CREATE TABLE runner.session_usage (
        tenant_id      text NOT NULL,
        agent_id       text NOT NULL,
        day            date NOT NULL,
        session_id     uuid NOT NULL,
        model          text NOT NULL,
        input_tokens   bigint NOT NULL DEFAULT 0,
        output_tokens  bigint NOT NULL DEFAULT 0,
        model_calls    integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, agent_id, day, session_id, model)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE runner.session_usage`);
  }
}
