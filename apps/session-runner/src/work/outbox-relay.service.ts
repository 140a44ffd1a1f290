import { Bus } from '@clawfleet/bus';
import { OutboxRelay } from '@clawfleet/event-store';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';

/** Publishes what session appends put in the outbox (replies, turn facts). */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(bus: Bus, @Inject(RUNNER_CONFIG) config: RunnerConfig, logger: PinoLogger) {
    logger.setContext('outbox-relay');
    this.relay = new OutboxRelay({ databaseUrl: config.DATABASE_URL, publisher: bus.publisher, logger: logger.logger });
  }

  async onApplicationBootstrap() {
    await this.relay.start();
  }

  async onApplicationShutdown() {
    await this.relay.stop();
  }
}
