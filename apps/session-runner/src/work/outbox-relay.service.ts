import { Bus } from '@clawfleet/bus';
import type { BusService } from '@clawfleet/contracts';
import { OutboxRelay, type OutboxMessage, type QueryRunnerLike } from '@clawfleet/event-store';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';

/** Publishes what session appends put in the outbox (replies, turn facts): at once, and after crashes. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(bus: Bus, @Inject(RUNNER_CONFIG) config: RunnerConfig, logger: PinoLogger) {
    logger.setContext('outbox-relay');
    this.relay = new OutboxRelay({
      databaseUrl: config.DATABASE_URL,
      // Its NATS user may publish only its own subjects: the leader of session-runner's relays takes its rows only.
      owner: 'session-runner' satisfies BusService,
      publisher: bus.publisher,
      logger: logger.logger,
      // Appends publish their own messages at once (publishNow); the relay takes what is left after a crash.
      leftoverAfterMs: 2_000,
    });
  }

  /** What appends write as `outboxOwner`: the rows this service's relay publishes. */
  get owner(): string {
    return this.relay.owner;
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
