import { Bus } from '@clawfleet/bus';
import { OutboxRelay, type OutboxMessage, type QueryRunnerLike } from '@clawfleet/event-store';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ADMIN_CONFIG, type AdminConfig } from '../config';

/**
 * Publishes the `provisioning.changed` announcements that changes wrote to the outbox: at once after
 * the commit, and (the relay) whatever a crash or a NATS outage left behind.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(bus: Bus, @Inject(ADMIN_CONFIG) config: AdminConfig, logger: PinoLogger) {
    logger.setContext('outbox-relay');
    this.relay = new OutboxRelay({
      databaseUrl: config.DATABASE_URL,
      publisher: bus.publisher,
      logger: logger.logger,
      // As session-runner's: writers publish their own rows at once; the relay takes what is left after a crash.
      leftoverAfterMs: 2_000,
    });
  }

  publishNow(messages: readonly OutboxMessage[], ids: readonly string[], run: QueryRunnerLike): Promise<void> {
    return this.relay.publishNow(messages, ids, run);
  }

  async onApplicationBootstrap() {
    await this.relay.start();
  }

  async onApplicationShutdown() {
    await this.relay.stop();
  }
}
