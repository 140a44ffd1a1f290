import { createDataSource, migrate } from '@clawfleet/platform';
import { createMigratedDatabase, type MigratedDatabase } from '@clawfleet/testing';
import type { DataSource } from 'typeorm';
import { adminMigrations } from '../migrations';
import { PgThrottlerStorage } from './pg-throttler.storage';

let db: MigratedDatabase;
let second: DataSource;

beforeAll(async () => {
  db = await createMigratedDatabase(adminMigrations, { applicationName: 'throttler-spec' });
  // A second pool, as a second replica would have.
  second = createDataSource({
    url: db.url,
    poolSize: 4,
    applicationName: 'throttler-spec-2',
    migrations: adminMigrations,
  });
  await second.initialize();
  await migrate(second);
});
afterAll(async () => {
  await second?.destroy();
  await db?.close();
});

it('counts every hit once when replicas count at the same time', async () => {
  const replicas = [new PgThrottlerStorage(db.dataSource), new PgThrottlerStorage(second)];
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => replicas[i % 2]!.increment('key:concurrent', 60_000, 30, 60_000, 'key')),
  );
  expect(results.map((r) => r.totalHits).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  expect(results.filter((r) => r.isBlocked)).toHaveLength(10);
  for (const r of results.filter((x) => x.isBlocked)) expect(r.timeToBlockExpire).toBeGreaterThanOrEqual(1);
});

it('blocks past the limit until the window ends, then counts from one again', async () => {
  const storage = new PgThrottlerStorage(db.dataSource);
  const hit = () => storage.increment('ip:198.51.100.7', 400, 2, 400, 'ip');
  expect((await hit()).isBlocked).toBe(false);
  expect((await hit()).isBlocked).toBe(false);
  expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 1 });
  const deadline = Date.now() + 10_000;
  let after = await hit();
  while (after.isBlocked && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    after = await hit();
  }
  expect(after).toMatchObject({ totalHits: 1, isBlocked: false });
  // Another tracker was never counted.
  expect((await storage.increment('ip:203.0.113.9', 400, 2, 400, 'ip')).totalHits).toBe(1);
});
