import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Unknown senders and one-time pairing codes: a binding says what a sender without an identity gets
 * (`ignore`, or `pair`), and `pairings` holds each code offered, until an owner approves or rejects it.
 */
export class Pairing1732100000840 implements MigrationInterface {
  name = 'Pairing1732100000840';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE provisioning.bindings ADD COLUMN unknown_senders text NOT NULL DEFAULT 'ignore'
        CHECK (unknown_senders IN ('ignore', 'pair'))`);
    // Deleting a user (or a tenant) cascades to its identities: without this index each deleted user
    // scans every identity of the tenant (found by the routing bench: minutes for 100,000 users).
    await q.query(`CREATE INDEX channel_identities_user ON provisioning.channel_identities (tenant_id, user_id)`);
    await q.query(`
      CREATE TABLE provisioning.pairings (
        tenant_id           text NOT NULL REFERENCES provisioning.tenants (id) ON DELETE CASCADE,
        id                  uuid NOT NULL,
        channel             text NOT NULL,
        sender_id           text NOT NULL,
        display_name        text NOT NULL DEFAULT '',
        chat_id             text NOT NULL,
        thread_id           text,
        -- SHA-256 of the normalized code: the code itself is never kept once its reply is out.
        code_hash           bytea NOT NULL,
        -- The code in clear only until the reply that carries it is published (then NULL), so a
        -- redelivered message sends the same code again instead of one nobody was told.
        code_to_send        text,
        -- The message that asked: its redelivery finds this offer.
        message_key         text NOT NULL,
        status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
        offered_at          timestamptz NOT NULL,
        expires_at          timestamptz NOT NULL,
        decided_at          timestamptz,
        -- 'user:<id>' (an owner's /pair in a chat) or 'key:<id>' (the admin API).
        decided_by          text,
        -- The /pair message that approved it: its redelivery is answered the same, never "used".
        decided_by_message  text,
        user_id             uuid,
        PRIMARY KEY (tenant_id, id),
        CHECK ((status = 'pending') = (decided_at IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX pairings_code ON provisioning.pairings (tenant_id, code_hash)`);
    // One pending code per sender of a channel: a new offer replaces the old one.
    await q.query(`
      CREATE UNIQUE INDEX pairings_pending_sender ON provisioning.pairings (tenant_id, channel, sender_id)
        WHERE status = 'pending'`);
    // Wrong codes an owner tried: past a few in a while, /pair refuses without looking.
    await q.query(`
      CREATE TABLE provisioning.pairing_failures (
        tenant_id  text NOT NULL,
        user_id    uuid NOT NULL,
        at         timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX pairing_failures_user ON provisioning.pairing_failures (tenant_id, user_id, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE provisioning.pairing_failures`);
    await q.query(`DROP TABLE provisioning.pairings`);
    await q.query(`DROP INDEX provisioning.channel_identities_user`);
    await q.query(`ALTER TABLE provisioning.bindings DROP COLUMN unknown_senders`);
  }
}
