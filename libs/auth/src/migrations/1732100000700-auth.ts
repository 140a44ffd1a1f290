import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Auth1732100000700 implements MigrationInterface {
  name = 'Auth1732100000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS auth`);
    // Only the SHA-256 of a key is kept; `prefix` is its visible, unique part (the lookup key).
    await q.query(`
      CREATE TABLE auth.api_keys (
        id            uuid PRIMARY KEY,
        prefix        text NOT NULL UNIQUE,
        hash          text NOT NULL,
        tenant_id     text,
        scope         text NOT NULL CHECK (scope IN ('platform:admin', 'tenant:admin', 'tenant:read', 'channel:client')),
        user_id       text,
        name          text NOT NULL,
        created_by    text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz,
        revoked_at    timestamptz,
        last_used_at  timestamptz,
        CHECK ((scope = 'platform:admin') = (tenant_id IS NULL)),
        CHECK ((scope = 'channel:client') = (user_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX api_keys_by_tenant ON auth.api_keys (tenant_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA auth CASCADE`);
  }
}
