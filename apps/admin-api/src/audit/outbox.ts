import { Bus } from '@clawfleet/bus';
import { OutboxRelay, type OutboxMessage } from '@clawfleet/event-store';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { ADMIN_CONFIG, type AdminConfig } from '../config';

/**
 * Publishes what the admin API's changes put in the outbox (an operator's message, a /stop): at once
 * after the commit, and after a crash (the relay: one leader per database, whichever service).
 */
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
