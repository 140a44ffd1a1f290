import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Router1732100000100 implements MigrationInterface {
  name = 'Router1732100000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS router`);
    // The session a chat is in now, and the sequence number the next routed message gets.
    await q.query(`
      CREATE TABLE router.chat_sessions (
        tenant_id   text NOT NULL,
        chat_key    text NOT NULL,
        session_id  uuid NOT NULL UNIQUE,
        agent_id    text NOT NULL,
        next_seq    integer NOT NULL DEFAULT 1,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, chat_key)
      )`);
    // One row per routed message: a redelivered inbound message gets the same session and seq.
    await q.query(`
      CREATE TABLE router.routed_messages (
        turn_id     uuid PRIMARY KEY,
        tenant_id   text NOT NULL,
        session_id  uuid NOT NULL,
        seq         integer NOT NULL,
        routed_at   timestamptz NOT NULL DEFAULT now(),
        UNIQUE (session_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA router CASCADE`);
  }
}
