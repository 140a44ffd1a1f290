import { createTestDatabase, type TestDatabase } from '@clawfleet/testing';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { createDataSource, migrate } from './database';

class CreateWidgets1700000000000 implements MigrationInterface {
  name = 'CreateWidgets1700000000000';
  async up(q: QueryRunner) {
    // Slow enough that unguarded concurrent runs would overlap and fail on the existing table.
    await q.query(`SELECT pg_sleep(0.2)`);
    await q.query(`CREATE TABLE widgets (id int PRIMARY KEY)`);
  }
  async down(q: QueryRunner) {
    await q.query(`DROP TABLE widgets`);
  }
}

class AddWidgetName1700000000001 implements MigrationInterface {
  name = 'AddWidgetName1700000000001';
  async up(q: QueryRunner) {
    await q.query(`ALTER TABLE widgets ADD COLUMN name text`);
  }
  async down(q: QueryRunner) {
    await q.query(`ALTER TABLE widgets DROP COLUMN name`);
  }
}

const migrations = [CreateWidgets1700000000000, AddWidgetName1700000000001];

let db: TestDatabase;
const sources: DataSource[] = [];

beforeAll(async () => {
  db = await createTestDatabase('cf_platform');
});

afterAll(async () => {
  for (const s of sources) if (s.isInitialized) await s.destroy();
  await db?.drop();
});

async function dataSource(): Promise<DataSource> {
  const source = createDataSource({ url: db.url, poolSize: 3, applicationName: 'platform-spec', migrations });
  sources.push(source);
  await source.initialize();
  return source;
}

describe('migrate', () => {
  it('applies every migration exactly once when three processes start together', async () => {
    const all = await Promise.all([dataSource(), dataSource(), dataSource()]);
    const applied = await Promise.all(all.map((s) => migrate(s)));

    expect(applied.filter((names) => names.length > 0)).toEqual([
      ['CreateWidgets1700000000000', 'AddWidgetName1700000000001'],
    ]);
    const rows: Array<{ name: string }> = await all[0].query(`SELECT name FROM schema_migrations ORDER BY id`);
    expect(rows.map((r) => r.name)).toEqual(['CreateWidgets1700000000000', 'AddWidgetName1700000000001']);
  });

  it('applies nothing the second time and leaves no lock behind', async () => {
    const source = await dataSource();
    expect(await migrate(source)).toEqual([]);
    const locks: unknown[] = await source.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(locks).toEqual([]);
  });
});
