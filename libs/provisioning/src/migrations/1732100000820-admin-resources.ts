import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the admin API needs of the provisioning tables: a revision on every resource it lets clients
 * edit (the ETag; an update names the revision it read, so a concurrent edit is refused, not lost),
 * tenants that can be disabled, and when a channel's credentials were last set (shown instead of them).
 */
export class AdminResources1732100000820 implements MigrationInterface {
  name = 'AdminResources1732100000820';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['tenants', 'agents', 'channels', 'messaging_groups', 'bindings', 'users'])
      await q.query(`ALTER TABLE provisioning.${table} ADD COLUMN revision integer NOT NULL DEFAULT 1`);
    // A disabled tenant's messages are refused by the router; its data and keys stay.
    await q.query(`ALTER TABLE provisioning.tenants ADD COLUMN enabled boolean NOT NULL DEFAULT true`);
    await q.query(`ALTER TABLE provisioning.channels ADD COLUMN credentials_set_at timestamptz`);
    await q.query(`UPDATE provisioning.channels SET credentials_set_at = created_at WHERE credentials IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['tenants', 'agents', 'channels', 'messaging_groups', 'bindings', 'users'])
      await q.query(`ALTER TABLE provisioning.${table} DROP COLUMN revision`);
    await q.query(`ALTER TABLE provisioning.tenants DROP COLUMN enabled`);
    await q.query(`ALTER TABLE provisioning.channels DROP COLUMN credentials_set_at`);
  }
}
