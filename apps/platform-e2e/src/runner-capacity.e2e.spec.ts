import { Client } from 'pg';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

let f: PlatformFixture;

beforeAll(async () => {
  // One runner that works on one session at a time, and a model slow enough to watch it.
  f = await startPlatform({ modelLatencyMs: 3_000, env: { RUNNER_MAX_SESSIONS: '1' } });
}, 120_000);
afterAll(async () => {
  await f?.stop();
});

async function leasedSessions(): Promise<number> {
  const db = new Client({ connectionString: f.db.url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM runner.session_work WHERE lease_owner IS NOT NULL AND lease_expires_at > now()`,
    );
    return rows[0].n;
  } finally {
    await db.end();
  }
}

describe('a session-runner at RUNNER_MAX_SESSIONS', () => {
  it('records a message of another session but leaves that session unclaimed until it has room', async () => {
    const [busy, waiting] = await Promise.all([
      f.openChat('capacity-busy'),
      f.openChat('capacity-waiting'),
    ]);
    await busy.send('first');
    await eventually('the first session to be leased', async () => (await leasedSessions()) === 1);
    await waiting.send('second');
    // Recorded (the stream exists), not claimed: the runner's one slot is taken by the model call.
    await eventually('the second message to be recorded', async () => {
      const db = new Client({ connectionString: f.db.url });
      await db.connect();
      try {
        const { rows } = await db.query(`SELECT 1 FROM eventstore.streams WHERE stream_id LIKE 'session-%'`);
        return rows.length === 2;
      } finally {
        await db.end();
      }
    });
    expect(await leasedSessions()).toBe(1);
    // Once the first turn ends, the sweep gives the second session the slot.
    expect((await busy.nextReply(30_000)).text).toBe('echo: first');
    expect((await waiting.nextReply(30_000)).text).toBe('echo: second');
    await Promise.all([busy.close(), waiting.close()]);
  }, 120_000);
});
