import { EventStore, type NewEvent } from '@clawfleet/event-store';
import { ConflictError, createDataSource, migrate } from '@clawfleet/platform';
import { createTestDatabase, type TestDatabase } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { runnerMigrations } from '../migrations';
import { SessionLeases, type SessionRef } from './session-leases';

let db: TestDatabase;
let dataSource: DataSource;
let store: EventStore;
let leases: SessionLeases;

beforeAll(async () => {
  db = await createTestDatabase();
  dataSource = createDataSource({ url: db.url, poolSize: 4, applicationName: 'leases-spec', migrations: runnerMigrations });
  await dataSource.initialize();
  await migrate(dataSource);
  store = new EventStore(dataSource);
  leases = new SessionLeases(dataSource);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

const LEASE_MS = 30_000;
const event = (): NewEvent => ({ id: randomUUID(), type: 'Noted', data: {} });
const session = (tenantId = 'acme'): SessionRef => ({ tenantId, streamId: `session-${randomUUID()}` });

async function work(ref: SessionRef) {
  const rows: Array<{ lease_owner: string | null; settled_version: number; leased: boolean }> = await dataSource.query(
    `SELECT lease_owner, settled_version, lease_expires_at > now() AS leased FROM runner.session_work WHERE stream_id = $1`,
    [ref.streamId],
  );
  return rows[0];
}

/** Appends one event with the write alongside; whether that write took effect. */
async function append(ref: SessionRef, expectedVersion: number, alongside: ReturnType<SessionLeases['claimAlongside']>) {
  const result = await store.appendWithOutbox(ref.tenantId, ref.streamId, expectedVersion, [event()], { alongside });
  return result.alongsideRows === 1;
}

describe('a lease claimed with the append that records a message', () => {
  it('is taken by the recording runner when nobody holds it, new session or not', async () => {
    const ref = session();
    expect(await append(ref, 0, leases.claimAlongside(ref, 'runner-a', LEASE_MS))).toBe(true);
    expect(await work(ref)).toEqual({ lease_owner: 'runner-a', settled_version: 0, leased: true });

    expect(await append(ref, 1, leases.settleAlongside(ref, 'runner-a'))).toBe(true);
    expect(await append(ref, 2, leases.claimAlongside(ref, 'runner-b', LEASE_MS))).toBe(true);
    expect((await work(ref))?.lease_owner).toBe('runner-b');
  });

  it('is not taken while another runner holds it, but the message is recorded all the same', async () => {
    const ref = session();
    expect(await leases.claim(ref, 'runner-a', LEASE_MS)).toBe(true);
    expect(await append(ref, 0, leases.claimAlongside(ref, 'runner-b', LEASE_MS))).toBe(false);
    expect(await store.streamVersion(ref.tenantId, ref.streamId)).toBe(1);
    expect((await work(ref))?.lease_owner).toBe('runner-a');
    // runner-a cannot give the session up below the version the message reached.
    expect(await leases.settle(ref, 'runner-a', 0)).toBe(false);
    expect(await leases.settle(ref, 'runner-a', 1)).toBe(true);
  });

  it('is taken over when the holder let it run out', async () => {
    const ref = session();
    expect(await leases.claim(ref, 'runner-dead', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await append(ref, 0, leases.claimAlongside(ref, 'runner-b', LEASE_MS))).toBe(true);
    expect((await work(ref))?.lease_owner).toBe('runner-b');
  });

  it('is not taken when the append does not happen', async () => {
    const ref = session();
    await store.append(ref.tenantId, ref.streamId, 0, [event()]);
    await expect(append(ref, 0, leases.claimAlongside(ref, 'runner-a', LEASE_MS))).rejects.toBeInstanceOf(ConflictError);
    expect(await work(ref)).toBeUndefined();
  });

  it("never takes another tenant's session", async () => {
    const ref = session('acme');
    expect(await append(ref, 0, leases.claimAlongside(ref, 'runner-a', LEASE_MS))).toBe(true);
    expect(await append(ref, 1, leases.settleAlongside(ref, 'runner-a'))).toBe(true);
    const intruder = { tenantId: 'globex', streamId: ref.streamId };
    await expect(append(intruder, 2, leases.claimAlongside(intruder, 'runner-x', LEASE_MS))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await work(ref)).toMatchObject({ lease_owner: null, settled_version: 2 });
  });
});

describe('a lease settled with the run’s last append', () => {
  it('is given up at the version that append reached', async () => {
    const ref = session();
    expect(await leases.claim(ref, 'runner-a', LEASE_MS)).toBe(true);
    expect(await append(ref, 0, leases.settleAlongside(ref, 'runner-a'))).toBe(true);
    expect(await work(ref)).toEqual({ lease_owner: null, settled_version: 1, leased: null });
    expect(await leases.findOrphaned(1_000)).not.toContainEqual(ref);
  });

  it('is not given up by a runner that no longer holds it', async () => {
    const ref = session();
    expect(await leases.claim(ref, 'runner-a', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await leases.claim(ref, 'runner-b', LEASE_MS)).toBe(true);
    // runner-a's append still fits the version (nobody wrote meanwhile), but it settles nothing.
    expect(await append(ref, 0, leases.settleAlongside(ref, 'runner-a'))).toBe(false);
    expect(await work(ref)).toMatchObject({ lease_owner: 'runner-b', settled_version: 0 });
  });

  it('is not given up when a message got in first: the append conflicts, and the run goes on', async () => {
    const ref = session();
    expect(await leases.claim(ref, 'runner-a', LEASE_MS)).toBe(true);
    await store.append(ref.tenantId, ref.streamId, 0, [event()]); // intake, on another replica
    await expect(append(ref, 0, leases.settleAlongside(ref, 'runner-a'))).rejects.toBeInstanceOf(ConflictError);
    expect(await work(ref)).toMatchObject({ lease_owner: 'runner-a', settled_version: 0 });
    expect(await leases.findOrphaned(1_000)).not.toContainEqual(ref); // held, not orphaned
  });
});
