import { createDataSource, migrate } from '@clawfleet/platform';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { authMigrations } from './index';

const ADMIN_URL = process.env['TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A throw-away database with the keys table, for libs/auth's own specs: libs/testing (whose
 * createMigratedDatabase the other int specs use) depends on libs/auth, so these cannot import it.
 */
export async function keysDatabase(): Promise<{ dataSource: DataSource; close(): Promise<void> }> {
  const name = `cf_auth_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dataSource = createDataSource({ url: url.toString(), poolSize: 3, applicationName: 'keys-spec', migrations: authMigrations });
  await dataSource.initialize();
  await migrate(dataSource);
  return {
    dataSource,
    async close() {
      await dataSource.destroy();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
