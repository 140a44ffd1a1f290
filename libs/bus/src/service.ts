import {
  configurationLogModule,
  DatabaseModule,
  HealthModule,
  loggingModule,
  type BaseConfig,
  type DatabaseOptions,
  type MigrationClass,
} from '@clawfleet/platform';
import { BusModule, topologyOptionsOf } from './bus.module';
import { natsAuthOf } from './connection';

/**
 * The modules every service starts with: JSON logging, /healthz and /readyz, PostgreSQL with the
 * service's migrations, and the bus. One list, so the six services are wired the same way.
 */
export function serviceImports(
  service: string,
  config: BaseConfig,
  options: {
    migrations?: readonly MigrationClass[];
    entities?: DatabaseOptions['entities'];
    concurrency?: number;
    /** For an app that reads tables another app owns: never migrate (whatever DB_MIGRATE_ON_BOOT says), and how readiness checks PostgreSQL. */
    database?: { readonly migrate?: false; readonly readiness?: DatabaseOptions['readiness'] };
  } = {},
) {
  return [
    loggingModule(service, config.LOG_LEVEL),
    configurationLogModule(config),
    HealthModule,
    // A service that names no migrations does not connect to PostgreSQL at all.
    ...(options.migrations
      ? [
          DatabaseModule.forRoot({
            url: config.DATABASE_URL,
            poolSize: config.DB_POOL_SIZE,
            applicationName: service,
            migrations: options.migrations,
            entities: options.entities,
            migrateOnBoot: options.database?.migrate === false ? false : config.DB_MIGRATE_ON_BOOT,
            readiness: options.database?.readiness,
          }),
        ]
      : []),
    BusModule.forRoot({
      url: config.NATS_URL,
      namespace: config.BUS_NAMESPACE,
      ...topologyOptionsOf(config),
      service,
      concurrency: options.concurrency,
      shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
      auth: natsAuthOf(config),
      provisionStreams: config.BUS_PROVISION_STREAMS,
    }),
  ];
}
