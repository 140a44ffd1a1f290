import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventStore1732100000000 implements MigrationInterface {
  name = 'EventStore1732100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS eventstore`);
    await q.query(`
      CREATE TABLE eventstore.streams (
        stream_id   text PRIMARY KEY,
        tenant_id   text NOT NULL,
        version     integer NOT NULL CHECK (version >= 0),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE eventstore.events (
        global_position bigserial PRIMARY KEY,
        stream_id       text NOT NULL,
        tenant_id       text NOT NULL,
        version         integer NOT NULL,
        event_id        uuid NOT NULL UNIQUE,
        type            text NOT NULL,
        data            jsonb NOT NULL,
        metadata        jsonb NOT NULL DEFAULT '{}',
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        -- The writing transaction: global readers stay below the oldest running one (pg_snapshot_xmin).
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        UNIQUE (stream_id, version)
      )`);
    await q.query(`CREATE INDEX events_tenant_position ON eventstore.events (tenant_id, global_position)`);
    await q.query(`
      CREATE TABLE eventstore.snapshots (
        stream_id      text PRIMARY KEY,
        tenant_id      text NOT NULL,
        version        integer NOT NULL,
        schema_version integer NOT NULL,
        state          jsonb NOT NULL,
        taken_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE eventstore.outbox (
        id          bigserial PRIMARY KEY,
        message_id  text NOT NULL,
        subject     text NOT NULL,
        payload     text NOT NULL,
        headers     jsonb NOT NULL DEFAULT '{}',
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA eventstore CASCADE`);
  }
}
