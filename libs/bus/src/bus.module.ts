import type { BusService, ConsumerGroup, EventDefinition, Topology, TopologyOptions } from '@clawfleet/contracts';
import { BUS_SERVICES, streamsUsedBy, topology as makeTopology } from '@clawfleet/contracts';
import { Readiness, type BaseConfig } from '@clawfleet/platform';
import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
  SetMetadata,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { PinoLogger } from 'nestjs-pino';
import type { z } from 'zod';
import { connectNats, describeNatsAuth, reportNatsRefusals, type NatsAuth } from './connection';
import { ConsumerRunner, type EventHandler } from './consumer';
import { provision } from './provision';
import { Publisher } from './publisher';

export interface BusOptions extends TopologyOptions {
  readonly url: string;
  readonly namespace: string;
  /** Client name shown by the NATS server. */
  readonly service: string;
  /** Messages handled at once per consumer by this process. */
  readonly concurrency?: number;
  readonly shutdownGraceMs?: number;
  /** NATS credentials (NATS_CREDS, NATS_USER/NATS_PASSWORD, NATS_TOKEN); none for a server without authentication. */
  readonly auth?: NatsAuth;
  /**
   * Create and update every stream at start-up (default true). False: the streams are the
   * provisioner's; the service only checks those it uses exist. Its own consumers it keeps either way.
   */
  readonly provisionStreams?: boolean;
}

/** The bus as apps see it: a publisher and the topology. The connection is for the control plane. */
export class Bus {
  constructor(
    readonly connection: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly topology: Topology,
    readonly publisher: Publisher,
  ) {}
}

const HANDLER = Symbol('clawfleet:bus-handler');
interface HandlerMeta {
  group: ConsumerGroup;
  type: string;
}

/** Marks a provider method as the handler of one event type on a consumer group's durable consumers. */
export function OnEvent<T extends string, S extends z.ZodType>(
  group: ConsumerGroup,
  definition: EventDefinition<T, S>,
): MethodDecorator {
  return SetMetadata<symbol, HandlerMeta>(HANDLER, { group, type: definition.type });
}

const BUS_OPTIONS = Symbol('BUS_OPTIONS');

/** The retry budget and stream limits an installation configured (BUS_* variables). */
export function topologyOptionsOf(
  config: Pick<
    BaseConfig,
    | 'BUS_RETRY_BUDGET_MS'
    | 'BUS_RETRY_BACKOFF_MAX_MS'
    | 'BUS_STREAM_REPLICAS'
    | 'BUS_STREAM_MAX_AGE_MS'
    | 'BUS_STREAM_MAX_BYTES'
    | 'BUS_DLQ_MAX_AGE_MS'
  >,
): TopologyOptions {
  return {
    retry: { budgetMs: config.BUS_RETRY_BUDGET_MS, backoffMaxMs: config.BUS_RETRY_BACKOFF_MAX_MS },
    streams: {
      replicas: config.BUS_STREAM_REPLICAS,
      maxAgeMs: config.BUS_STREAM_MAX_AGE_MS,
      maxBytes: config.BUS_STREAM_MAX_BYTES,
      dlqMaxAgeMs: config.BUS_DLQ_MAX_AGE_MS,
    },
  };
}

@Injectable()
class BusLifecycle implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private runners: ConsumerRunner[] = [];
  private handlers = new Map<ConsumerGroup, Map<string, EventHandler>>();
  private provisioned = false;
  private closing = false;

  constructor(
    private readonly bus: Bus,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly readiness: Readiness,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('bus');
  }

  async onModuleInit() {
    this.watchConnection();
    this.handlers = this.discoverHandlers();
    const groups = new Set(this.handlers.keys());
    const { service } = this.options;
    await provision(this.bus.jsm, this.bus.topology, {
      consumers: this.bus.topology.consumers.filter((c) => groups.has(c.group)),
      streams:
        this.options.provisionStreams === false
          ? BUS_SERVICES.includes(service as BusService)
            ? streamsUsedBy(this.bus.topology, service as BusService)
            : []
          : 'all',
    });
    this.provisioned = true;
    this.readiness.register('nats', () => {
      if (this.bus.connection.isClosed()) throw new Error('NATS connection closed');
      if (!this.provisioned) throw new Error('streams not provisioned');
    });
  }

  onApplicationBootstrap() {
    for (const spec of this.bus.topology.consumers) {
      const handlers = this.handlers.get(spec.group);
      if (!handlers) continue;
      const runner = new ConsumerRunner({
        js: this.bus.js,
        topology: this.bus.topology,
        spec,
        handlers,
        publisher: this.bus.publisher,
        logger: this.logger.logger,
        concurrency: this.options.concurrency ?? 64,
      });
      runner.start();
      this.runners.push(runner);
    }
  }

  /**
   * What the server refuses (a subject the service's NATS user may not use) is logged as an error
   * with the subject: it is a deployment out of step with the code, never silent. A connection
   * that ends on its own (the server refused the credentials on reconnect) ends the process.
   */
  private watchConnection() {
    const { connection } = this.bus;
    reportNatsRefusals(connection, this.logger.logger, this.options.auth);
    void connection.closed().then((error) => {
      if (!error || this.closing) return;
      this.logger.fatal(
        { nats: describeNatsAuth(this.options.auth) },
        `NATS connection ended: ${error.message}; exiting`,
      );
      process.exit(1);
    });
  }

  async beforeApplicationShutdown() {
    this.closing = true;
    const grace = this.options.shutdownGraceMs ?? 10_000;
    await Promise.all(this.runners.map((r) => r.stop(grace)));
  }

  async onApplicationShutdown() {
    await this.bus.connection.drain().catch(() => undefined);
  }

  private discoverHandlers(): Map<ConsumerGroup, Map<string, EventHandler>> {
    const found = new Map<ConsumerGroup, Map<string, EventHandler>>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name] as EventHandler;
        const meta = this.reflector.get<HandlerMeta | undefined>(HANDLER, method);
        if (!meta) continue;
        const group = found.get(meta.group) ?? new Map<string, EventHandler>();
        if (group.has(meta.type)) throw new Error(`two handlers for ${meta.type} on ${meta.group}`);
        group.set(meta.type, method.bind(instance));
        found.set(meta.group, group);
      }
    }
    return found;
  }
}

/** JetStream for NestJS: connection, provisioning, a publisher, and `@OnEvent` handlers consumed with explicit acks. */
@Global()
@Module({})
export class BusModule {
  static forRoot(options: BusOptions): DynamicModule {
    return {
      module: BusModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: BUS_OPTIONS, useValue: options },
        {
          provide: Bus,
          useFactory: async () => {
            const connection = await connectNats(options.url, options.service, { auth: options.auth });
            const js = jetstream(connection);
            return new Bus(connection, js, await jetstreamManager(connection), makeTopology(options.namespace, options), new Publisher(js, connection));
          },
        },
        BusLifecycle,
      ],
      exports: [Bus],
    };
  }
}
