import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DeliveryFailures1732100000830 implements MigrationInterface {
  name = 'DeliveryFailures1732100000830';

  async up(q: QueryRunner): Promise<void> {
    // The failed deliveries of a tenant, newest first, in keyset pages: few among many sent ones.
    await q.query(
      `CREATE INDEX deliveries_failed ON delivery.deliveries (tenant_id, delivered_at DESC, outbound_id DESC)
       WHERE status = 'failed'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX delivery.deliveries_failed`);
  }
}
