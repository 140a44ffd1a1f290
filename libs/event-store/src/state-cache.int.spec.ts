import { createMigratedDatabase, type MigratedDatabase } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Evolve } from './aggregate';
import { approxBytes } from './approx-bytes';
import { EventStore } from './event-store';
import { eventStoreMigrations } from './index';
import { StreamStateCache } from './state-cache';
import type { NewEvent } from './types';

type Said = { type: 'Said'; data: { text: string } };
interface Transcript {
  readonly lines: readonly string[];
}

// Counts how often anything enumerates a state's properties: a whole-state walk does, a fold does not.
let walks = 0;
const counted = (state: Transcript): Transcript =>
  new Proxy(state, {
    ownKeys(target) {
      walks++;
      return Reflect.ownKeys(target);
    },
  });
const initial = counted({ lines: [] });
const evolve: Evolve<Transcript, Said> = (state, event) => counted({ lines: [...state.lines, event.data.text] });
const said = (text: string): NewEvent<Said> => ({ id: randomUUID(), type: 'Said', data: { text } });
const model = { evolve, initial, snapshots: { schemaVersion: 1, every: 1_000 } };

let db: MigratedDatabase;
let dataSource: DataSource;
let store: EventStore;

beforeAll(async () => {
  db = await createMigratedDatabase(eventStoreMigrations, {
    prefix: 'cf_statecache',
    poolSize: 5,
    applicationName: 'state-cache-spec',
  });
  ({ dataSource } = db);
  store = new EventStore(dataSource);
});
afterAll(async () => {
  await db?.close();
});

/** A stream of `lines` events of `chars` characters each. */
async function writeStream(lines: number, chars: number): Promise<string> {
  const id = `transcript-${randomUUID()}`;
  await store.append(
    't1',
    id,
    0,
    Array.from({ length: lines }, (_, i) => said(`${i}`.padEnd(chars, 'x'))),
  );
  return id;
}

describe('the state cache', () => {
  it('keeps states up to its byte budget, least recently used out first', async () => {
    // Five streams of about 10 kB each in a 35 kB budget (entries up to half of it).
    const cache = new StreamStateCache(store, model, { maxBytes: 35_000, maxEntryShare: 0.5 });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await writeStream(10, 1_000));
    for (const id of ids.slice(0, 3)) await cache.load('t1', id);
    await cache.load('t1', ids[0]!); // the first is used again: the second is now the oldest
    for (const id of ids.slice(3)) await cache.load('t1', id);
    const cached = ids.map((id) => cache.peek('t1', id) !== undefined);
    expect(cached).toEqual([true, false, false, true, true]);
    expect(cache.stats().entries).toBe(3);
    expect(cache.stats().bytes).toBeLessThanOrEqual(35_000);
    expect(cache.stats().bytes).toBeGreaterThan(30_000);
  });

  it('does not keep a state larger than its share of the budget, and loads it right every time', async () => {
    const cache = new StreamStateCache(store, model, { maxBytes: 100_000, maxEntryShare: 1 / 8 });
    const small = await writeStream(5, 100);
    const large = await writeStream(20, 1_000); // ≈ 20 kB > 12.5 kB
    await cache.load('t1', small);
    expect((await cache.load('t1', large)).state.lines).toHaveLength(20);
    expect(cache.peek('t1', large)).toBeUndefined();
    expect(cache.peek('t1', small)).toBeDefined();
    await store.append('t1', large, 20, [said('one more')]);
    expect((await cache.load('t1', large)).state.lines).toHaveLength(21);
    expect(cache.stats().entries).toBe(1);
  });

  it('grows an entry by the events appended to it, without walking the state again', async () => {
    const cache = new StreamStateCache(store, model, { maxBytes: 10_000_000 });
    const id = await writeStream(200, 200);
    const loaded = await cache.load('t1', id);
    const before = cache.stats().bytes;
    expect(before).toBeGreaterThan(200 * 200);
    const appended = [said('a reply of some length'), said('and another one')];
    const version = await store.append('t1', id, loaded.version, appended);
    const stateAfter = appended.reduce(
      (s, e) =>
        evolve(s, {
          ...e,
          streamId: id,
          tenantId: 't1',
          version: 0,
          globalPosition: 0n,
          metadata: {},
          recordedAt: new Date(),
        }),
      loaded.state,
    );
    walks = 0;
    cache.remember('t1', id, { state: stateAfter, version }, appended);
    expect(walks).toBe(0);
    expect(cache.stats().bytes).toBe(before + approxBytes(appended[0]!.data) + approxBytes(appended[1]!.data));
    // A load that reads one new event does not walk the cached state either.
    await store.append('t1', id, version, [said('from another writer')]);
    walks = 0;
    expect((await cache.load('t1', id)).state.lines).toHaveLength(203);
    expect(walks).toBe(0);
  });
});
