import { createDataSource, migrate } from '@clawfleet/platform';
import { createTestDatabase, type TestDatabase } from '@clawfleet/testing';
import type { DataSource } from 'typeorm';
import type { RunnerConfig } from '../config';
import { runnerMigrations } from '../migrations';
import { TokenBudgets } from './token-budgets';

let db: TestDatabase;
let dataSources: DataSource[];

beforeAll(async () => {
  db = await createTestDatabase();
  // Two pools, as two runner replicas would have.
  dataSources = [0, 1].map((i) => createDataSource({ url: db.url, poolSize: 10, applicationName: `budget-${i}`, migrations: runnerMigrations }));
  await Promise.all(dataSources.map((ds) => ds.initialize()));
  await migrate(dataSources[0]);
});
afterAll(async () => {
  await Promise.all(dataSources.map((ds) => ds.destroy()));
  await db.drop();
});

const config = (tenant: number, agent = 0) =>
  ({ TOKEN_BUDGET_PER_TENANT: tenant, TOKEN_BUDGET_PER_AGENT: agent, MODEL_TIMEOUT_MS: 60_000 }) as RunnerConfig;

describe('token budgets', () => {
  it('never grant more than the limit, whatever the number of replicas reserving at once', async () => {
    const replicas = dataSources.map((ds) => new TokenBudgets(ds, config(1_000)));
    const scope = { tenantId: 'race', agentId: 'a' };
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => replicas[i % 2].reserve(scope, 100)));
    expect(results.filter((r) => r.granted)).toHaveLength(10);
    expect(results.find((r) => !r.granted)).toMatchObject({ reason: expect.stringMatching(/tenant \(1,000 tokens\) is used up/) });
  });

  it('count what a call really used, and give the rest of the reservation back', async () => {
    const budgets = new TokenBudgets(dataSources[0], config(0, 500));
    const scope = { tenantId: 't', agentId: 'writer' };
    const first = await budgets.reserve(scope, 400);
    expect(first.granted).toBe(true);
    expect((await budgets.reserve(scope, 200)).granted).toBe(false); // 400 held
    await budgets.settle(first.granted ? first.id : null, 120);
    expect((await budgets.reserve(scope, 380)).granted).toBe(true); // 500 - 120 used
    expect((await budgets.reserve(scope, 1)).granted).toBe(false);
  });

  it('are not checked at all when no limit is set', async () => {
    const budgets = new TokenBudgets(dataSources[0], config(0, 0));
    expect(await budgets.reserve({ tenantId: 'free', agentId: 'a' }, 10 ** 9)).toEqual({ granted: true, id: null });
  });
});
