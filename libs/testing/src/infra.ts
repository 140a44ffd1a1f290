import { randomBytes } from 'node:crypto';
import { createDataSource, migrate, type MigrationClass } from '@clawfleet/platform';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/** The PostgreSQL server tests use; each test file gets its own database on it. */
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** A bus namespace no other test uses: streams and subjects are prefixed by it. */
export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates a fresh, empty database for one test file. */
export async function createTestDatabase(prefix = 'cf_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(TEST_PG_ADMIN_URL, name),
    async drop() {
      const c = new Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface MigratedDatabase extends TestDatabase {
  readonly dataSource: DataSource;
  /** Closes the data source and drops the database. */
  close(): Promise<void>;
}

/** A fresh database for one test file with `migrations` applied, and a data source on it. */
export async function createMigratedDatabase(
  migrations: readonly MigrationClass[],
  options: { prefix?: string; poolSize?: number; applicationName?: string } = {},
): Promise<MigratedDatabase> {
  const db = await createTestDatabase(options.prefix);
  const dataSource = createDataSource({
    url: db.url,
    poolSize: options.poolSize ?? 4,
    applicationName: options.applicationName ?? 'spec',
    migrations,
  });
  await dataSource.initialize();
  await migrate(dataSource);
  return {
    ...db,
    dataSource,
    async close() {
      await dataSource.destroy();
      await db.drop();
    },
  };
}
