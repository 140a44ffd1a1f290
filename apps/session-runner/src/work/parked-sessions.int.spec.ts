import { EventStore, type NewEvent } from '@clawfleet/event-store';
import { createMigratedDatabase, type MigratedDatabase } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { runnerMigrations } from '../migrations';
import { ParkedSessions } from '@clawfleet/records';
import { SessionLeases, type SessionRef } from './session-leases';

let db: MigratedDatabase;
let dataSource: DataSource;
let store: EventStore;
let leases: SessionLeases;
let parked: ParkedSessions;

beforeAll(async () => {
  db = await createMigratedDatabase(runnerMigrations, { applicationName: 'parked-spec' });
  ({ dataSource } = db);
  store = new EventStore(dataSource);
  leases = new SessionLeases(dataSource);
  parked = new ParkedSessions(dataSource);
});
afterAll(async () => {
  await db?.close();
});

const LEASE_MS = 30_000;
const MAX_FAILURES = 3;
const event = (): NewEvent => ({ id: randomUUID(), type: 'Noted', data: {} });

/** A session with a recorded message nobody has settled: work for the sweep. */
async function sessionWithWork(tenantId = 'acme'): Promise<SessionRef & { sessionId: string }> {
  const sessionId = randomUUID();
  const ref = { tenantId, streamId: `session-${sessionId}` };
  await store.append(tenantId, ref.streamId, 0, [event()]);
  return { ...ref, sessionId };
}
const orphaned = async (ref: SessionRef) => (await leases.findOrphaned(1_000)).some((o) => o.streamId === ref.streamId);

/** One run that takes the session and fails; whether the failure parked it. */
async function failingRun(ref: SessionRef, owner = 'runner-a'): Promise<boolean> {
  expect(await leases.claim(ref, owner, LEASE_MS)).toBe(true);
  return leases.fail(ref, owner, 'TypeError: cannot read properties of undefined', MAX_FAILURES);
}

describe('a session whose runs keep failing', () => {
  it('is retried by the sweep until the last allowed failure, then parked: no sweep, no claim', async () => {
    const ref = await sessionWithWork();
    expect(await failingRun(ref)).toBe(false);
    expect(await orphaned(ref)).toBe(true);
    expect(await failingRun(ref, 'runner-b')).toBe(false);
    expect(await failingRun(ref)).toBe(true);

    expect(await orphaned(ref)).toBe(false);
    expect(await leases.claim(ref, 'runner-c', LEASE_MS)).toBe(false);
    const [found] = await parked.listParked('acme').then((all) => all.filter((p) => p.sessionId === ref.sessionId));
    expect(found).toMatchObject({
      sessionId: ref.sessionId,
      failures: 3,
      lastError: 'TypeError: cannot read properties of undefined',
    });
    expect(found.parkedAt).toBeInstanceOf(Date);
  });

  it('counts only failures in a row: a run that settles in between starts the count again', async () => {
    const ref = await sessionWithWork();
    expect(await failingRun(ref)).toBe(false);
    expect(await failingRun(ref)).toBe(false);
    expect(await leases.claim(ref, 'runner-a', LEASE_MS)).toBe(true);
    expect(await leases.settle(ref, 'runner-a', 1)).toBe(true);
    await store.append(ref.tenantId, ref.streamId, 1, [event()]); // a new message
    expect(await failingRun(ref)).toBe(false);
    expect(await failingRun(ref)).toBe(false);
    expect(await orphaned(ref)).toBe(true);
  });

  it('is released by its tenant only, and then resumed by the next sweep', async () => {
    const ref = await sessionWithWork('acme');
    for (let i = 0; i < MAX_FAILURES; i++) await failingRun(ref);
    expect(await orphaned(ref)).toBe(false);

    expect(await parked.listParked('other')).toEqual([]);
    expect(await parked.release('other', ref.sessionId)).toBe(false);
    expect(await orphaned(ref)).toBe(false);

    expect(await parked.release('acme', ref.sessionId)).toBe(true);
    expect(await parked.release('acme', ref.sessionId)).toBe(false);
    expect((await parked.listParked('acme')).map((p) => p.sessionId)).not.toContain(ref.sessionId);
    expect(await orphaned(ref)).toBe(true);
    // Released with a clean count: one more failure does not park it again.
    expect(await failingRun(ref)).toBe(false);
  });
});
