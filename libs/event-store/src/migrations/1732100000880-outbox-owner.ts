import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each outbox row names the service whose relay publishes it (`owner`): with one NATS user per
 * service, a relay may publish only its own service's subjects. Rows written before this migration
 * are given to the service that wrote them, known by their subject (namespace prefix or not); a row
 * left without an owner (none is expected) is taken by any service's relay, as before.
 */
export class OutboxOwner1732100000880 implements MigrationInterface {
  name = 'OutboxOwner1732100000880';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE eventstore.outbox ADD COLUMN owner text`);
    await q.query(`
      UPDATE eventstore.outbox SET owner = CASE
        WHEN subject ~ '^([a-z0-9_-]+\\.)?(outbound\\.ready|events\\.turn)\\.' THEN 'session-runner'
        WHEN subject ~ '^([a-z0-9_-]+\\.)?(inbound\\.received|events\\.provisioning\\.changed)\\.' THEN 'admin-api'
      END`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE eventstore.outbox DROP COLUMN owner`);
  }
}
