import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The provisioning model. Every table is keyed by tenant_id first, and every reference between rows
 * includes it (composite foreign keys), so a row of one tenant can never point at another's.
 */
export class Provisioning1732100000500 implements MigrationInterface {
  name = 'Provisioning1732100000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS provisioning`);
    await q.query(`
      CREATE TABLE provisioning.tenants (
        id                text PRIMARY KEY,
        name              text NOT NULL DEFAULT '',
        -- The agent of chats that have no binding (the environment's DEFAULT_AGENT_ID at the seed).
        default_agent_id  text,
        created_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE provisioning.agents (
        tenant_id        text NOT NULL REFERENCES provisioning.tenants (id) ON DELETE CASCADE,
        id               text NOT NULL,
        name             text NOT NULL DEFAULT '',
        enabled          boolean NOT NULL DEFAULT true,
        current_version  integer NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    // Immutable: a session that recorded (agent, version) replays with exactly this configuration.
    await q.query(`
      CREATE TABLE provisioning.agent_versions (
        tenant_id   text NOT NULL,
        agent_id    text NOT NULL,
        version     integer NOT NULL CHECK (version > 0),
        config      jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, agent_id, version),
        FOREIGN KEY (tenant_id, agent_id) REFERENCES provisioning.agents (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE FUNCTION provisioning.agent_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'agent versions are immutable: store a new version'; END $$`);
    await q.query(`
      CREATE TRIGGER agent_versions_immutable BEFORE UPDATE ON provisioning.agent_versions
      FOR EACH ROW EXECUTE FUNCTION provisioning.agent_versions_immutable()`);
    await q.query(`
      CREATE TABLE provisioning.channels (
        tenant_id          text NOT NULL REFERENCES provisioning.tenants (id) ON DELETE CASCADE,
        id                 uuid NOT NULL,
        kind               text NOT NULL,
        name               text NOT NULL DEFAULT '',
        -- AES-256-GCM (iv ‖ tag ‖ ciphertext) under the key credentials_key_id of CREDENTIALS_KEYS.
        credentials        bytea,
        credentials_key_id text,
        created_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CHECK ((credentials IS NULL) = (credentials_key_id IS NULL))
      )`);
    await q.query(`
      CREATE TABLE provisioning.messaging_groups (
        tenant_id   text NOT NULL REFERENCES provisioning.tenants (id) ON DELETE CASCADE,
        id          uuid NOT NULL,
        channel_id  uuid,
        channel     text NOT NULL,
        chat_id     text NOT NULL,
        thread_id   text,
        name        text NOT NULL DEFAULT '',
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, channel_id) REFERENCES provisioning.channels (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE UNIQUE INDEX messaging_groups_chat ON provisioning.messaging_groups (tenant_id, channel, chat_id, COALESCE(thread_id, ''))`);
    await q.query(`
      CREATE TABLE provisioning.bindings (
        tenant_id       text NOT NULL,
        id              uuid NOT NULL,
        group_id        uuid NOT NULL,
        agent_id        text NOT NULL,
        engage_mode     text NOT NULL CHECK (engage_mode IN ('always', 'pattern', 'mention', 'mention-sticky')),
        pattern         text CHECK ((engage_mode = 'pattern') = (pattern IS NOT NULL)),
        sender_scope    text NOT NULL CHECK (sender_scope IN ('all', 'known')),
        ignored_policy  text NOT NULL CHECK (ignored_policy IN ('drop', 'accumulate')),
        session_scope   text NOT NULL CHECK (session_scope IN ('shared', 'per-thread', 'per-user')),
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, group_id, agent_id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES provisioning.messaging_groups (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, agent_id) REFERENCES provisioning.agents (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE provisioning.users (
        tenant_id     text NOT NULL REFERENCES provisioning.tenants (id) ON DELETE CASCADE,
        id            uuid NOT NULL,
        display_name  text NOT NULL DEFAULT '',
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    // A user as a channel knows them: the sender id of their messages there.
    await q.query(`
      CREATE TABLE provisioning.channel_identities (
        tenant_id    text NOT NULL,
        channel      text NOT NULL,
        external_id  text NOT NULL,
        user_id      uuid NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, channel, external_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES provisioning.users (tenant_id, id) ON DELETE CASCADE
      )`);
    // agent_id '' : the role holds for every agent of the tenant (a primary key cannot hold NULL).
    await q.query(`
      CREATE TABLE provisioning.roles (
        tenant_id   text NOT NULL,
        user_id     uuid NOT NULL,
        agent_id    text NOT NULL DEFAULT '',
        role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id, agent_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES provisioning.users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE provisioning.agent_relationships (
        tenant_id      text NOT NULL,
        from_agent_id  text NOT NULL,
        to_agent_id    text NOT NULL,
        kind           text NOT NULL DEFAULT 'may-message',
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, from_agent_id, to_agent_id, kind),
        FOREIGN KEY (tenant_id, from_agent_id) REFERENCES provisioning.agents (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, to_agent_id) REFERENCES provisioning.agents (tenant_id, id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA provisioning CASCADE`);
  }
}
