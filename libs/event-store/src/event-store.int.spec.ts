import { ConflictError, createDataSource, migrate, ValidationError } from '@clawfleet/platform';
import { createTestDatabase, type TestDatabase } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import { handleCommand, loadState, type Evolve } from './aggregate';
import { EventStore } from './event-store';
import { eventStoreMigrations } from './index';
import type { NewEvent, RecordedEvent } from './types';

type CounterEvent = { type: 'Added'; data: { n: number } } | { type: 'Reset'; data: Record<string, never> };
interface Counter {
  readonly total: number;
  readonly seen: number;
}
const initial: Counter = { total: 0, seen: 0 };
const evolve: Evolve<Counter, CounterEvent> = (state, event) => {
  switch (event.type) {
    case 'Added':
      return { total: state.total + event.data.n, seen: state.seen + 1 };
    case 'Reset':
      return { total: 0, seen: state.seen + 1 };
  }
};

const added = (n: number): NewEvent<CounterEvent> => ({ id: randomUUID(), type: 'Added', data: { n } });
const streamId = () => `counter-${randomUUID()}`;

async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let db: TestDatabase;
let dataSource: DataSource;
let store: EventStore;
const openRunners: QueryRunner[] = [];

beforeAll(async () => {
  db = await createTestDatabase('cf_eventstore');
  dataSource = createDataSource({
    url: db.url,
    poolSize: 30,
    applicationName: 'event-store-spec',
    migrations: eventStoreMigrations,
  });
  // Conflicts are expected here; TypeORM would print each failed statement.
  dataSource.setOptions({ logger: 'simple-console', logging: false });
  await dataSource.initialize();
  expect(await migrate(dataSource)).toEqual(['EventStore1732100000000', 'OutboxOwner1732100000880']);
  store = new EventStore(dataSource);
});

afterAll(async () => {
  for (const runner of openRunners) if (!runner.isReleased) await runner.release().catch(() => undefined);
  await dataSource?.destroy();
  await db?.drop();
});

/** A transaction left open until the test commits it. */
async function openTransaction(): Promise<QueryRunner> {
  const runner = dataSource.createQueryRunner();
  openRunners.push(runner);
  await runner.connect();
  await runner.startTransaction();
  return runner;
}

/** Resolves once some backend of this database waits for a lock (a writer blocked by an open transaction). */
async function someoneWaitsForALock(): Promise<void> {
  await waitFor(async () => {
    const rows: unknown[] = await dataSource.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows.length > 0;
  }, 'a writer to block on the open transaction');
}

describe('migrations', () => {
  it('run once: a second migrate applies nothing', async () => {
    expect(await migrate(dataSource)).toEqual([]);
  });
});

describe('append and readStream', () => {
  it('round-trips events with versions, positions, data and metadata', async () => {
    const id = streamId();
    const events = [
      added(1),
      { ...added(2), metadata: { causationId: 'x' } },
      { id: randomUUID(), type: 'Reset', data: {} },
    ];
    expect(await store.append('acme', id, 0, events)).toBe(3);

    const read = await store.readStream('acme', id);
    expect(read.map((e) => [e.version, e.id, e.type, e.data, e.metadata])).toEqual([
      [1, events[0].id, 'Added', { n: 1 }, {}],
      [2, events[1].id, 'Added', { n: 2 }, { causationId: 'x' }],
      [3, events[2].id, 'Reset', {}, {}],
    ]);
    expect(read.every((e) => e.streamId === id && e.tenantId === 'acme' && e.recordedAt instanceof Date)).toBe(true);
    expect(read[0].globalPosition < read[1].globalPosition && read[1].globalPosition < read[2].globalPosition).toBe(
      true,
    );
    expect((await store.readStream('acme', id, 2)).map((e) => e.version)).toEqual([3]);
    expect(await store.streamVersion('acme', id)).toBe(3);
  });

  it('continues a stream at its version', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1)]);
    expect(await store.append('acme', id, 1, [added(2), added(3)])).toBe(3);
    expect((await store.readStream('acme', id)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('appends nothing and keeps the version when given no events', async () => {
    const id = streamId();
    expect(await store.append('acme', id, 0, [])).toBe(0);
    expect(await store.streamVersion('acme', id)).toBe(0);
  });
});

describe('expected version', () => {
  it('rejects creating a stream that already exists', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1)]);
    await expect(store.append('acme', id, 0, [added(2)])).rejects.toBeInstanceOf(ConflictError);
    expect((await store.readStream('acme', id)).map((e) => e.data)).toEqual([{ n: 1 }]);
  });

  it('rejects a stale version and a version from the future', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1), added(2)]);
    await expect(store.append('acme', id, 1, [added(3)])).rejects.toBeInstanceOf(ConflictError);
    await expect(store.append('acme', id, 5, [added(3)])).rejects.toBeInstanceOf(ConflictError);
    expect(await store.streamVersion('acme', id)).toBe(2);
  });

  it.each([
    ['an existing stream', 1],
    ['a new stream', 0],
  ])('lets exactly one of 20 concurrent writers to %s win', async (_what, expectedVersion) => {
    const id = streamId();
    if (expectedVersion > 0) await store.append('acme', id, 0, [added(0)]);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.append('acme', id, expectedVersion, [added(i + 1), added(100)])),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toEqual([{ status: 'fulfilled', value: expectedVersion + 2 }]);
    expect(lost).toHaveLength(19);
    for (const r of lost) expect(r.reason).toBeInstanceOf(ConflictError);
    const read = await store.readStream('acme', id);
    expect(read.map((e) => e.version)).toEqual(Array.from({ length: expectedVersion + 2 }, (_, i) => i + 1));
  });

  it('rejects an event id already recorded, in any stream, and writes nothing of that append', async () => {
    const first = streamId();
    const second = streamId();
    const event = added(1);
    await store.append('acme', first, 0, [event]);
    await expect(store.append('acme', second, 0, [added(7), event])).rejects.toBeInstanceOf(ConflictError);
    expect(await store.streamVersion('acme', second)).toBe(0);
    expect(await store.readStream('acme', second)).toEqual([]);
    // A retried append of the same event to its own stream is a conflict too, not a second copy.
    await expect(store.append('acme', first, 1, [event])).rejects.toBeInstanceOf(ConflictError);
    expect(await store.streamVersion('acme', first)).toBe(1);
  });
});

describe('text PostgreSQL cannot store', () => {
  // The producers keep such text out (contracts, session-runner); this is the guard behind them.
  it.each([
    ['a NUL', 'hi\u0000there'],
    ['a lone high surrogate', 'hi\ud800there'],
    ['a lone low surrogate', 'hi\udc00there'],
  ])('in an event (%s) fails at once as not retryable, and writes nothing', async (_what, text) => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1)]);
    const bad = { id: randomUUID(), type: 'Said', data: { text } } as unknown as NewEvent<CounterEvent>;
    const error = await store.append('acme', id, 1, [added(2), bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/cannot be stored/) });
    expect(await store.streamVersion('acme', id)).toBe(1);
  });
});

describe('a write alongside the append', () => {
  beforeAll(async () => {
    await dataSource.query(`CREATE TABLE IF NOT EXISTS public.alongside_marks (stream_id text, version int, note text)`);
  });
  const marks = (id: string) =>
    dataSource.query(`SELECT version, note FROM public.alongside_marks WHERE stream_id = $1`, [id]);
  const mark = (id: string, note: string) => ({
    sql: `INSERT INTO public.alongside_marks SELECT $1, (SELECT version FROM appended), $2
          WHERE EXISTS (SELECT 1 FROM appended) RETURNING stream_id`,
    params: [id, note],
  });

  it('commits with the events, in the same statement, and sees the new version', async () => {
    const id = streamId();
    const first = await store.appendWithOutbox('acme', id, 0, [added(1)], { alongside: mark(id, 'new stream') });
    const second = await store.appendWithOutbox('acme', id, 1, [added(2), added(3)], { alongside: mark(id, 'more') });
    expect([first.alongsideRows, second.alongsideRows]).toEqual([1, 1]);
    expect(await marks(id)).toEqual([
      { version: 1, note: 'new stream' },
      { version: 3, note: 'more' },
    ]);
  });

  it('does nothing when the append does not happen', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1)]);
    await expect(
      store.appendWithOutbox('acme', id, 0, [added(2)], { alongside: mark(id, 'stale new') }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      store.appendWithOutbox('acme', id, 7, [added(2)], { alongside: mark(id, 'stale') }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      store.appendWithOutbox('globex', id, 1, [added(2)], { alongside: mark(id, 'other tenant') }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await marks(id)).toEqual([]);
  });

  it('reports how many rows it wrote: none when its own condition is not met', async () => {
    const id = streamId();
    const never = { sql: `UPDATE public.alongside_marks SET note = $1 WHERE false RETURNING 1`, params: ['x'] };
    const { version, alongsideRows } = await store.appendWithOutbox('acme', id, 0, [added(1)], { alongside: never });
    expect({ version, alongsideRows }).toEqual({ version: 1, alongsideRows: 0 });
    expect(await store.streamVersion('acme', id)).toBe(1);
  });
});

describe('more writes alongside (read models kept with the stream)', () => {
  beforeAll(async () => {
    await dataSource.query(`CREATE TABLE IF NOT EXISTS public.also_marks (stream_id text, version int, note text)`);
  });
  const marks = (id: string) =>
    dataSource.query(`SELECT version, note FROM public.also_marks WHERE stream_id = $1 ORDER BY note`, [id]);
  // No RETURNING: the count of these writes is not asked for.
  const mark = (id: string, note: string) => ({
    sql: `INSERT INTO public.also_marks SELECT $1, (SELECT version FROM appended), $2 WHERE EXISTS (SELECT 1 FROM appended)`,
    params: [id, note],
  });
  const lease = (id: string) => ({
    sql: `INSERT INTO public.also_marks SELECT $1, (SELECT version FROM appended), $2
          WHERE EXISTS (SELECT 1 FROM appended) RETURNING stream_id`,
    params: [id, 'lease'],
  });

  it('commit with the events, each with its own parameters, next to the counted write', async () => {
    const id = streamId();
    const first = await store.appendWithOutbox('acme', id, 0, [added(1)], {
      alongside: lease(id),
      also: [mark(id, 'index'), mark(id, 'usage')],
    });
    await store.appendWithOutbox('acme', id, 1, [added(2)], { also: [mark(id, 'index again')] });
    expect(first.alongsideRows).toBe(1);
    expect(await marks(id)).toEqual([
      { version: 1, note: 'index' },
      { version: 2, note: 'index again' },
      { version: 1, note: 'lease' },
      { version: 1, note: 'usage' },
    ]);
  });

  it('write nothing when the append does not happen', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1)]);
    await expect(
      store.appendWithOutbox('acme', id, 0, [added(2)], { also: [mark(id, 'stale new')] }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      store.appendWithOutbox('acme', id, 5, [added(2)], { alongside: lease(id), also: [mark(id, 'stale')] }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await marks(id)).toEqual([]);
  });
});

describe('readStreamPage', () => {
  it('pages a stream by version, and reads another tenant\'s stream as empty', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [1, 2, 3, 4, 5].map(added));
    const page = async (after: number, limit: number) =>
      (await store.readStreamPage('acme', id, after, limit)).map((e) => [e.version, (e.data as { n: number }).n]);
    expect(await page(0, 2)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(await page(2, 2)).toEqual([
      [3, 3],
      [4, 4],
    ]);
    expect(await page(4, 2)).toEqual([[5, 5]]);
    expect(await page(5, 2)).toEqual([]);
    expect(await store.readStreamPage('globex', id, 0, 10)).toEqual([]);
  });
});

describe('tenant isolation', () => {
  it("reads another tenant's stream as empty and never appends to it", async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1)]);

    expect(await store.readStream('globex', id)).toEqual([]);
    expect(await store.streamVersion('globex', id)).toBe(0);
    await expect(store.append('globex', id, 0, [added(2)])).rejects.toBeInstanceOf(ConflictError);
    await expect(store.append('globex', id, 1, [added(2)])).rejects.toBeInstanceOf(ConflictError);

    const own = await store.readStream('acme', id);
    expect(own.map((e) => [e.tenantId, e.data])).toEqual([['acme', { n: 1 }]]);
    expect(await store.streamVersion('acme', id)).toBe(1);
  });

  it('scopes readAll by tenant when asked', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const id = streamId();
    await store.append(tenant, id, 0, [added(1)]);
    await store.append('acme', streamId(), 0, [added(2)]);
    const read = await waitFor(async () => {
      const events = await store.readAll(0n, 10_000, tenant);
      return events.length > 0 ? events : undefined;
    }, 'readAll');
    expect(read.map((e) => [e.tenantId, e.streamId])).toEqual([[tenant, id]]);
  });

  it("keeps another tenant's snapshot apart", async () => {
    const id = streamId();
    await store.saveSnapshot('acme', id, { version: 3, schemaVersion: 1, state: { owner: 'acme' } });
    expect(await store.loadSnapshot('globex', id, 1)).toBeUndefined();
    await store.saveSnapshot('globex', id, { version: 9, schemaVersion: 1, state: { owner: 'globex' } });
    expect(await store.loadSnapshot('acme', id, 1)).toEqual({ version: 3, schemaVersion: 1, state: { owner: 'acme' } });
    expect(await store.loadSnapshot('globex', id, 1)).toBeUndefined();
  });
});

describe('snapshots', () => {
  it('loads the snapshot saved for the schema version asked', async () => {
    const id = streamId();
    await store.saveSnapshot('acme', id, { version: 4, schemaVersion: 1, state: { total: 10, seen: 4 } });
    expect(await store.loadSnapshot('acme', id, 1)).toEqual({
      version: 4,
      schemaVersion: 1,
      state: { total: 10, seen: 4 },
    });
    expect(await store.loadSnapshot('acme', id, 2)).toBeUndefined();
  });

  it('never replaces a newer snapshot by an older one', async () => {
    const id = streamId();
    await store.saveSnapshot('acme', id, { version: 5, schemaVersion: 1, state: { v: 5 } });
    await store.saveSnapshot('acme', id, { version: 3, schemaVersion: 1, state: { v: 3 } });
    expect(await store.loadSnapshot('acme', id, 1)).toMatchObject({ version: 5, state: { v: 5 } });
    await store.saveSnapshot('acme', id, { version: 7, schemaVersion: 1, state: { v: 7 } });
    expect(await store.loadSnapshot('acme', id, 1)).toMatchObject({ version: 7, state: { v: 7 } });
  });

  it('replaces a snapshot of another state schema, whatever its version', async () => {
    const id = streamId();
    await store.saveSnapshot('acme', id, { version: 9, schemaVersion: 1, state: { v: 'old shape' } });
    await store.saveSnapshot('acme', id, { version: 4, schemaVersion: 2, state: { v: 'new shape' } });
    expect(await store.loadSnapshot('acme', id, 2)).toMatchObject({ version: 4, state: { v: 'new shape' } });
  });
});

describe('loadState', () => {
  it('folds every event when there is no snapshot', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1), added(2), added(3)]);
    expect(await loadState(store, 'acme', id, evolve, initial)).toEqual({ state: { total: 6, seen: 3 }, version: 3 });
  });

  it('starts from the snapshot and folds only the events after it', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1), added(2), added(3), added(4), added(5)]);
    // A state no fold of these events gives, so the result shows the snapshot was used.
    await store.saveSnapshot('acme', id, { version: 3, schemaVersion: 1, state: { total: 1_000, seen: 3 } });
    const folded: number[] = [];
    const counting: Evolve<Counter, CounterEvent> = (state, event) => (
      folded.push(event.version),
      evolve(state, event)
    );

    const loaded = await loadState(store, 'acme', id, counting, initial, { schemaVersion: 1, every: 100 });
    expect(loaded).toEqual({ state: { total: 1_009, seen: 5 }, version: 5 });
    expect(folded).toEqual([4, 5]);
  });

  it('ignores a snapshot of another schema version', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1), added(2)]);
    await store.saveSnapshot('acme', id, { version: 2, schemaVersion: 1, state: { total: 1_000, seen: 2 } });
    expect(await loadState(store, 'acme', id, evolve, initial, { schemaVersion: 2, every: 100 })).toEqual({
      state: { total: 3, seen: 2 },
      version: 2,
    });
  });

  it('takes a snapshot once enough events were folded past the last one', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1), added(2)]);
    await loadState(store, 'acme', id, evolve, initial, { schemaVersion: 1, every: 3 });
    expect(await store.loadSnapshot('acme', id, 1)).toBeUndefined();

    await store.append('acme', id, 2, [added(3)]);
    await loadState(store, 'acme', id, evolve, initial, { schemaVersion: 1, every: 3 });
    expect(await store.loadSnapshot('acme', id, 1)).toEqual({
      version: 3,
      schemaVersion: 1,
      state: { total: 6, seen: 3 },
    });
  });
});

describe('handleCommand', () => {
  const model = { evolve, initial };

  it('reads, decides and appends at the version it read', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(5)]);
    const result = await handleCommand(store, { tenantId: 'acme', streamId: id }, model, (state) => ({
      events: [added(state.total * 2)],
    }));
    expect(result.version).toBe(2);
    expect((await store.readStream('acme', id)).map((e) => e.data)).toEqual([{ n: 5 }, { n: 10 }]);
  });

  /** Holds a competing append open until handleCommand's own append waits for it, then commits it. */
  async function withCompetingWriter(id: string, run: () => Promise<unknown>): Promise<unknown> {
    const competitor = await openTransaction();
    await store.append('acme', id, 1, [added(100)], { manager: competitor.manager });
    const result = run().then(
      (value) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, error }),
    );
    await someoneWaitsForALock();
    await competitor.commitTransaction();
    await competitor.release();
    return result;
  }

  it('decides again on the new state when another writer got there first', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1)]);
    const decisions: Array<[number, number]> = [];

    const outcome = await withCompetingWriter(id, () =>
      handleCommand(store, { tenantId: 'acme', streamId: id }, model, (state, version) => {
        decisions.push([state.total, version]);
        return { events: [added(-state.total)] };
      }),
    );

    expect(outcome).toEqual({ ok: true, value: expect.objectContaining({ version: 3 }) });
    expect(decisions).toEqual([
      [1, 1],
      [101, 2],
    ]);
    expect((await store.readStream('acme', id)).map((e) => e.data)).toEqual([{ n: 1 }, { n: 100 }, { n: -101 }]);
  });

  it('gives up with the ConflictError after its attempts', async () => {
    const id = streamId();
    await store.append('acme', id, 0, [added(1)]);
    const outcome = await withCompetingWriter(id, () =>
      handleCommand(store, { tenantId: 'acme', streamId: id }, model, () => ({ events: [added(2)] }), { attempts: 1 }),
    );
    expect(outcome).toEqual({ ok: false, error: expect.any(ConflictError) });
    expect(await store.streamVersion('acme', id)).toBe(2);
  });
});

describe('readAll', () => {
  /** What a projection would write without the event store's guard: follow the position, nothing else. */
  async function naiveRead(after: bigint): Promise<Array<{ position: bigint; id: string }>> {
    const rows: Array<{ global_position: string; event_id: string }> = await dataSource.query(
      `SELECT global_position, event_id FROM eventstore.events WHERE global_position > $1 ORDER BY global_position`,
      [after.toString()],
    );
    return rows.map((r) => ({ position: BigInt(r.global_position), id: r.event_id }));
  }

  async function headPosition(): Promise<bigint> {
    const rows: Array<{ max: string | null }> = await dataSource.query(
      `SELECT max(global_position) FROM eventstore.events`,
    );
    return BigInt(rows[0].max ?? 0);
  }

  /** A projection's loop: read after the cursor, move the cursor to the last event read. */
  class Follower {
    readonly seen: RecordedEvent[] = [];
    constructor(private cursor: bigint) {}
    async poll(): Promise<RecordedEvent[]> {
      const batch = await store.readAll(this.cursor);
      for (const event of batch) {
        expect(event.globalPosition > this.cursor).toBe(true);
        this.cursor = event.globalPosition;
        this.seen.push(event);
      }
      return batch;
    }
  }

  it('returns events in global order after a position, a page at a time', async () => {
    const start = await headPosition();
    const id = streamId();
    await store.append('acme', id, 0, [added(1), added(2), added(3)]);
    const page = await waitFor(async () => {
      const events = await store.readAll(start, 2);
      return events.length === 2 ? events : undefined;
    }, 'readAll');
    expect(page.map((e) => e.version)).toEqual([1, 2]);
    expect((await store.readAll(page[1].globalPosition, 2)).map((e) => e.version)).toEqual([3]);
  });

  it('never skips an event whose transaction took a lower position and committed late', async () => {
    const cursor0 = await headPosition();
    const naiveSeen: string[] = [];
    let naiveCursor = cursor0;
    const follower = new Follower(cursor0);

    // T1 takes a position and stays open.
    const late = added(1);
    const t1 = await openTransaction();
    await store.append('acme', streamId(), 0, [late], { manager: t1.manager });
    // T2 takes a higher position and commits.
    const early = added(2);
    await store.append('acme', streamId(), 0, [early]);

    // The naive reader sees T2's event and moves past T1's position.
    for (const row of await naiveRead(naiveCursor)) {
      naiveSeen.push(row.id);
      naiveCursor = row.position;
    }
    expect(naiveSeen).toEqual([early.id]);
    // readAll holds back everything at or after the open transaction.
    expect((await follower.poll()).map((e) => e.id)).not.toContain(early.id);
    expect(follower.seen.map((e) => e.id)).not.toContain(late.id);

    await t1.commitTransaction();
    await t1.release();

    // The naive reader has lost T1's event for good.
    for (const row of await naiveRead(naiveCursor)) naiveSeen.push(row.id);
    expect(naiveSeen).toEqual([early.id]);

    // readAll delivers both, in position order: T1's first.
    await waitFor(async () => {
      await follower.poll();
      return follower.seen.some((e) => e.id === early.id);
    }, 'readAll to catch up');
    const ids = follower.seen.map((e) => e.id);
    expect(ids).toEqual([late.id, early.id]);
  });
});
