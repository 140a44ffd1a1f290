import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource, type MigrationInterface } from 'typeorm';
import { Readiness } from './health';

export type MigrationClass = new () => MigrationInterface;

export interface DatabaseOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly applicationName: string;
  readonly migrations: readonly MigrationClass[];
}

// One lock for every service's migrations, so replicas and apps starting together never race.
const MIGRATION_LOCK = 7_210_451_301;

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName,
    poolSize: options.poolSize,
    migrations: [...options.migrations],
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: ['error'],
  });
}

/** Applies pending migrations under a cluster-wide advisory lock. Returns the names applied. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  private migrated = false;
  constructor(
    private readonly dataSource: DataSource,
    private readonly readiness: Readiness,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions & { migrateOnBoot: boolean },
  ) {}

  async onModuleInit() {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    if (this.options.migrateOnBoot) await migrate(this.dataSource);
    this.readiness.register('database', async () => {
      await this.dataSource.query('SELECT 1');
      if (!this.migrated) {
        if (await this.dataSource.showMigrations()) throw new Error('migrations pending');
        this.migrated = true;
      }
    });
  }

  async onApplicationShutdown() {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** A TypeORM DataSource for the app, migrations included (run at boot only when configured). */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions & { migrateOnBoot: boolean }): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_OPTIONS, useValue: options },
        { provide: DataSource, useFactory: () => createDataSource(options) },
        DatabaseLifecycle,
      ],
      exports: [DataSource],
    };
  }
}

/** The body of an app's `migrate` entry point (a Kubernetes Job, `npm run migrate`). */
export async function migrateMain(service: string, migrations: readonly MigrationClass[]): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clawfleet';
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: `${service}-migrate`, migrations });
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource);
    process.stdout.write(`${service}: ${applied.length ? `applied ${applied.join(', ')}` : 'no pending migrations'}\n`);
  } finally {
    await dataSource.destroy();
  }
}
