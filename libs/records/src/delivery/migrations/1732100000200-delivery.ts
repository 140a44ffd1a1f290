import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Delivery1732100000200 implements MigrationInterface {
  name = 'Delivery1732100000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS delivery`);
    await q.query(`
      CREATE TABLE delivery.deliveries (
        outbound_id         uuid PRIMARY KEY,
        tenant_id           text NOT NULL,
        session_id          uuid NOT NULL,
        seq                 integer NOT NULL,
        channel             text NOT NULL,
        chat_id             text NOT NULL,
        status              text NOT NULL CHECK (status IN ('sent', 'failed')),
        channel_message_ids jsonb NOT NULL DEFAULT '[]',
        error               text,
        delivered_at        timestamptz NOT NULL DEFAULT now(),
        UNIQUE (session_id, seq)
      )`);
    // The highest seq of each session that is settled (sent or failed for good): replies go out in order.
    await q.query(`
      CREATE TABLE delivery.session_cursors (
        session_id  uuid PRIMARY KEY,
        tenant_id   text NOT NULL,
        last_seq    integer NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA delivery CASCADE`);
  }
}
