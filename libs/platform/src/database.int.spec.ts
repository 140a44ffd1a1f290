import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createDataSource, isUnreachable, migrate, pendingMigrations, untilReachable } from './database';

describe('a service booting while PostgreSQL is unreachable', () => {
  it('waits for it instead of failing', async () => {
    let calls = 0;
    await untilReachable(async () => {
      calls += 1;
      if (calls < 3)
        throw Object.assign(new Error('the database system is not yet accepting connections'), { code: '57P03' });
    });
    expect(calls).toBe(3);
  });

  it('fails at once on anything else, e.g. a migration that does not apply', async () => {
    let calls = 0;
    const broken = untilReachable(async () => {
      calls += 1;
      throw Object.assign(new Error('relation "x" already exists'), { code: '42P07' });
    });
    await expect(broken).rejects.toThrow('already exists');
    expect(calls).toBe(1);
  });

  it('gives up after its wait', async () => {
    const refused = untilReachable(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }, 300);
    await expect(refused).rejects.toThrow('ECONNREFUSED');
  });

  it('knows a refused connection from a real server socket', async () => {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const closed = await new Client({ host: '127.0.0.1', port, user: 'x' }).connect().catch((e: unknown) => e);
    server.close();
    expect(isUnreachable(closed)).toBe(true);
    expect(isUnreachable(new Error('syntax error at or near "SELEC"'))).toBe(false);
  });
});

describe('a pooled connection PostgreSQL terminates while it is checked out', () => {
  it('does not kill the process with an unhandled error event', async () => {
    // The server's own maintenance database: the spec only holds and terminates one connection.
    const db = { url: process.env['TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' };
    const dataSource = createDataSource({
      url: db.url,
      poolSize: 2,
      applicationName: 'terminate-spec',
      migrations: [],
    });
    await dataSource.initialize();
    const pool = (dataSource.driver as unknown as { master: { connect(): Promise<PoolClient> } }).master;
    type PoolClient = { query(sql: string): Promise<{ rows: Array<{ pid: number }> }>; release(err?: unknown): void };
    const held = await pool.connect();
    const pid = (await held.query('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(uncaught).toEqual([]);
      await expect(held.query('SELECT 1')).rejects.toThrow();
    } finally {
      process.off('uncaughtException', onUncaught);
      held.release(true);
      await admin.end();
      await dataSource.destroy();
    }
  });
});

describe('readiness of an app that does not migrate', () => {
  it('reads which migrations are pending without creating anything, so it never races the app that migrates', async () => {
    // A database of its own (libs/testing depends on this library, so its helpers are not used here).
    const adminUrl = process.env['TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `cf_pending_${randomBytes(6).toString('hex')}`;
    const admin = async (sql: string) => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(sql).finally(() => client.end());
    };
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
    class First1700000000000 implements MigrationInterface {
      name = 'First1700000000000';
      async up(q: QueryRunner) {
        await q.query('CREATE TABLE first_table (id int)');
      }
      async down() {}
    }
    const dataSource = createDataSource({ url: db.url, poolSize: 3, applicationName: 'pending-spec', migrations: [First1700000000000] });
    await dataSource.initialize();
    try {
      expect(await pendingMigrations(dataSource, [First1700000000000])).toEqual(['First1700000000000']);
      const [{ present }] = await dataSource.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
      expect(present).toBe(false);
      await migrate(dataSource);
      expect(await pendingMigrations(dataSource, [First1700000000000])).toEqual([]);
    } finally {
      await dataSource.destroy();
      await db.drop();
    }
  });
});
