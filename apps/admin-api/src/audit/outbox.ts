import { Bus } from '@clawfleet/bus';
import type { BusService } from '@clawfleet/contracts';
import { OutboxRelay, type OutboxMessage } from '@clawfleet/event-store';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { ADMIN_CONFIG, type AdminConfig } from '../config';

/**
 * Publishes what the admin API's changes put in the outbox (an operator's message, a /stop): at once
 * after the commit, and after a crash (the relay: one leader among admin-api's replicas, taking only
 * the rows admin-api appended, `ADMIN_OUTBOX_OWNER`: its NATS user may publish nothing else).
 */
/** The `outboxOwner` of every outbox row admin-api appends (`recordAudit`), and its relay's owner. */
export const ADMIN_OUTBOX_OWNER = 'admin-api' satisfies BusService;

@Injectable()
export class AdminOutbox implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(
    bus: Bus,
    private readonly dataSource: DataSource,
    @Inject(ADMIN_CONFIG) config: AdminConfig,
    logger: PinoLogger,
  ) {
    logger.setContext('outbox-relay');
    this.relay = new OutboxRelay({
      databaseUrl: config.DATABASE_URL,
      owner: ADMIN_OUTBOX_OWNER,
      publisher: bus.publisher,
      logger: logger.logger,
      leftoverAfterMs: 2_000,
    });
  }

  publishNow(messages: readonly OutboxMessage[], ids: readonly string[]): Promise<void> {
    return this.relay.publishNow(messages, ids, this.dataSource);
  }

  async onApplicationBootstrap() {
    await this.relay.start();
  }

  async onApplicationShutdown() {
    await this.relay.stop();
  }
}
