/**
 * Benchmark: how long `SessionStore.load()` takes for a long session, with and without a snapshot.
 *
 *   DATABASE_URL=postgres://… node apps/session-runner/dist/bench/session-load.js [1000 10000 …]
 *
 * Migrates the database, writes one session stream per size through the app's own SessionStore
 * (SessionStarted, then [UserMessageAdded, TurnStarted, ModelResponded, TurnCompleted] per turn,
 * appended in batches), then times loads. Prints one JSON document to stdout. Used by `npm run bench`.
 */
import type { SessionEvent } from '@clawfleet/contracts';
import { loadState } from '@clawfleet/event-store';
import { createDataSource, migrate, uuidV7Ids } from '@clawfleet/platform';
import type { DataSource } from 'typeorm';
import { runnerMigrations } from '../migrations';
import { evolve, initialState } from '../session/session.state';
import { SessionStore, streamIdOf } from '../session/session.store';

// Its sessions write no outbox messages: nothing to publish.
const noOutbox = { owner: 'session-runner', publishNow: async () => undefined };

const TENANT = 'bench';
const BATCH = 400;
const RUNS = Number(process.env['BENCH_LOAD_RUNS'] ?? 9);

const words = 'the a session agent reply tool model event stream snapshot latency durable service message turn'.split(
  ' ',
);
const sentence = (n: number, salt: number) =>
  Array.from({ length: n }, (_, i) => words[(i * 7 + salt) % words.length]).join(' ') + '.';

/** One turn's four events, shaped as the runner records them (one model round, no tools). */
function turnEvents(turn: number): SessionEvent[] {
  const turnId = uuidV7Ids.next();
  const userText = sentence(20, turn); // ≈ 120 characters
  const answer = sentence(60, turn + 3); // ≈ 380 characters
  const usage = { inputTokens: 40 + turn * 4, outputTokens: 95 };
  return [
    {
      type: 'UserMessageAdded',
      data: {
        turnId,
        seq: turn,
        messageId: `m-${turn}`,
        text: userText,
        sender: { id: 'user-1', displayName: 'Bench User' },
        source: 'user',
        correlationId: uuidV7Ids.next(),
      },
    },
    { type: 'TurnStarted', data: { turnId } },
    {
      type: 'ModelResponded',
      data: {
        turnId,
        round: 1,
        model: 'fake-model',
        text: answer,
        toolCalls: [],
        usage,
        finishReason: 'stop',
        latencyMs: 420,
      },
    },
    { type: 'TurnCompleted', data: { turnId, outboundId: uuidV7Ids.next(), outboundSeq: turn, text: answer, usage } },
  ];
}

/** Writes a session of about `size` events (1 + 4 per turn); returns its stream id and exact length. */
async function writeSession(store: SessionStore, size: number): Promise<{ streamId: string; events: number }> {
  const sessionId = uuidV7Ids.next();
  const streamId = streamIdOf(sessionId);
  const turns = Math.max(1, Math.round((size - 1) / 4));
  let pending: SessionEvent[] = [
    { type: 'SessionStarted', data: { sessionId, agentId: 'bench-agent', chat: { channel: 'http', chatId: 'bench' } } },
  ];
  let version = 0;
  for (let turn = 1; turn <= turns; turn++) {
    pending.push(...turnEvents(turn));
    if (pending.length >= BATCH || turn === turns) {
      version = await store.append(TENANT, streamId, version, pending);
      pending = [];
    }
  }
  return { streamId, events: version };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (ms: number) => Math.round(ms * 100) / 100;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measure(ds: DataSource, store: SessionStore, size: number) {
  const { streamId, events } = await writeSession(store, size);
  const dropSnapshot = () => ds.query('DELETE FROM eventstore.snapshots WHERE stream_id = $1', [streamId]);

  // A valid fold, or the numbers mean nothing. A new SessionStore each time: no in-memory state.
  const cold = () => new SessionStore(ds, noOutbox).load(TENANT, streamId);
  const first = await cold();
  if (first.version !== events || first.state.status !== 'idle' || first.state.lastSeq !== (events - 1) / 4) {
    throw new Error(`fold of ${streamId} is wrong: version ${first.version}, status ${first.state.status}`);
  }
  // The first load writes the snapshot in the background: wait for it.
  const snapshotRow = async () =>
    (await ds.query('SELECT octet_length(state::text) AS n FROM eventstore.snapshots WHERE stream_id = $1', [streamId]))[0];
  for (let i = 0; i < 100 && !(await snapshotRow()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  const snapshotBytes: number = (await snapshotRow())?.n ?? 0;

  const withSnapshot: number[] = [];
  for (let i = 0; i < RUNS; i++) withSnapshot.push(await time(cold));

  // The hot path: the runner's own cache, which reads only what is new (here nothing).
  await store.load(TENANT, streamId);
  const cached: number[] = [];
  for (let i = 0; i < RUNS; i++) cached.push(await time(() => store.load(TENANT, streamId)));

  // Cold with no snapshot: every event is read and folded.
  const withoutSnapshot: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await dropSnapshot();
    withoutSnapshot.push(await time(cold));
  }

  // The read + fold alone, without writing a snapshot afterwards.
  const foldOnly: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    foldOnly.push(await time(() => loadState(store.events, TENANT, streamId, evolve, initialState)));
  }

  return {
    events,
    snapshotBytes: Number(snapshotBytes),
    withSnapshotMs: round(median(withSnapshot)),
    cachedMs: round(median(cached)),
    withoutSnapshotMs: round(median(withoutSnapshot)),
    foldOnlyMs: round(median(foldOnly)),
    runs: RUNS,
  };
}

async function main() {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const ds = createDataSource({
    url,
    poolSize: 2,
    applicationName: 'bench-session-load',
    migrations: runnerMigrations,
  });
  await ds.initialize();
  try {
    await migrate(ds);
    const store = new SessionStore(ds, noOutbox);
    // Warm the pool, the JIT and PostgreSQL's caches on a small session first.
    await measure(ds, store, 201);
    const results = [];
    for (const size of sizes.length ? sizes : [1_000, 10_000]) results.push(await measure(ds, store, size));
    process.stdout.write(`${JSON.stringify({ sessionLoad: results })}\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`session-load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
