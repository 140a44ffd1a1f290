import { Client } from 'pg';
import { startPlatform, type PlatformFixture } from './support/fixture';

let f: PlatformFixture;

beforeAll(async () => {
  // Two runners share the budget: the reservation is in PostgreSQL, not in a process.
  f = await startPlatform({
    replicas: { 'session-runner': 2 },
    appEnv: { 'session-runner': { TOKEN_BUDGET_PER_TENANT: '1700', TOKEN_RESERVE_OUTPUT: '100' } },
  });
});
afterAll(async () => {
  await f?.stop();
});

describe('a monthly token budget', () => {
  it('lets turns run while tokens are left, then ends the next one with a clear message', async () => {
    const chat = await f.openChat('budget');
    f.model.script({ text: 'expensive answer', usage: { inputTokens: 1200, outputTokens: 300 } });
    await chat.send('first');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'expensive answer' });

    await chat.send('second');
    const refused = await chat.nextReply(15_000);
    expect(refused).toMatchObject({ kind: 'error', text: expect.stringMatching(/^The monthly token budget of this tenant \(1,700 tokens\) is used up/) });
    expect(f.model.requests).toHaveLength(1); // the refused call was never made

    const db = new Client({ connectionString: f.db.url });
    await db.connect();
    const { rows } = await db.query(`SELECT scope, used_tokens FROM runner.token_budgets`);
    const reservations = await db.query(`SELECT count(*)::int AS n FROM runner.token_reservations`);
    await db.end();
    expect(rows).toEqual([{ scope: 'tenant', used_tokens: '1500' }]);
    expect(reservations.rows[0].n).toBe(0);
    await chat.close();
  });
});
