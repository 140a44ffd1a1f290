import { connectNats, decodeEvent, makeEnvelope, provision, Publisher, type RawMessage } from '@clawfleet/bus';
import { DeliverySucceeded, topology, type Topology } from '@clawfleet/contracts';
import { ConflictError, createDataSource, migrate } from '@clawfleet/platform';
import { createTestDatabase, TEST_NATS_URL, uniqueNamespace, type TestDatabase } from '@clawfleet/testing';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { EventStore } from './event-store';
import { eventStoreMigrations, OutboxOwner1732100000880 } from './index';
import { outboxMessage } from './outbox-message';
import { OutboxRelay } from './outbox-relay';

const logger = pino({ level: 'silent' });

async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The real publisher, counting what it is asked to publish on one subject. */
class CountingPublisher extends Publisher {
  readonly published: string[] = [];
  constructor(
    js: JetStreamClient,
    private readonly subject: string,
  ) {
    super(js);
  }
  override async publishRaw(message: RawMessage) {
    if (message.subject === this.subject) this.published.push(message.msgId);
    return super.publishRaw(message);
  }
}

/** The real publisher, recording every subject it is asked to publish (what a relay published). */
class RecordingPublisher extends Publisher {
  readonly published: Array<{ subject: string; msgId: string }> = [];
  override async publishRaw(message: RawMessage) {
    this.published.push({ subject: message.subject, msgId: message.msgId });
    return super.publishRaw(message);
  }
}

/** The service the relays of these specs publish for, unless a spec says otherwise. */
const OWNER = 'svc-a';

let db: TestDatabase;
let dataSource: DataSource;
let store: EventStore;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let t: Topology;
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  db = await createTestDatabase('cf_outbox');
  dataSource = createDataSource({
    url: db.url,
    poolSize: 10,
    applicationName: 'outbox-spec',
    migrations: eventStoreMigrations,
  });
  dataSource.setOptions({ logger: 'simple-console', logging: false });
  await dataSource.initialize();
  await migrate(dataSource);
  store = new EventStore(dataSource);

  nc = await connectNats(TEST_NATS_URL, 'outbox-spec');
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  t = topology(uniqueNamespace('outbox'));
  await provision(jsm, t, { consumers: [] });
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  for (const spec of Object.values(t?.streams ?? {})) await jsm.streams.delete(spec.name).catch(() => undefined);
  await nc?.drain();
  await dataSource?.destroy();
  await db?.drop();
});

async function startRelay(publisher: Publisher = new Publisher(js), owner = OWNER): Promise<OutboxRelay> {
  const relay = new OutboxRelay({ databaseUrl: db.url, owner, publisher, logger, pollMs: 50 });
  relays.push(relay);
  await relay.start();
  return relay;
}

/** A subject of its own for each test, so counts on it are the test's alone. */
function freshSubject() {
  const tenantId = `t${randomUUID().slice(0, 8)}`;
  return { tenantId, subject: t.subjects.event(DeliverySucceeded.type, tenantId) };
}

function succeeded(tenantId: string) {
  return makeEnvelope(DeliverySucceeded, {
    tenantId,
    data: {
      outboundId: randomUUID(),
      sessionId: randomUUID(),
      chat: { channel: 'slack', chatId: 'C1' },
      channelMessageIds: ['1712.5'],
    },
  });
}

/** Appends one event to a new stream, with an outbox message for its bus envelope. */
async function appendWithOutbox(tenantId: string, subject: string, owner = OWNER) {
  const envelope = succeeded(tenantId);
  await store.append(
    tenantId,
    `delivery-${envelope.id}`,
    0,
    [{ id: envelope.id, type: envelope.type, data: envelope.data }],
    {
      outbox: [outboxMessage(DeliverySucceeded, subject, envelope)],
      outboxOwner: owner,
    },
  );
  return envelope;
}

async function copiesOn(subject: string): Promise<number> {
  const info = await jsm.streams.info(t.streams.EVENTS.name, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

async function outboxSize(): Promise<number> {
  const rows: Array<{ n: number }> = await dataSource.query(`SELECT count(*)::int AS n FROM eventstore.outbox`);
  return rows[0].n;
}

const published = (subject: string, n: number) =>
  waitFor(async () => (await copiesOn(subject)) >= n, `${n} messages on ${subject}`);
const outboxEmpty = () => waitFor(async () => (await outboxSize()) === 0, 'the outbox to empty');

describe('OutboxRelay', () => {
  it('publishes an appended message to its stream with Nats-Msg-Id = message id, then deletes it', async () => {
    await startRelay();
    const { tenantId, subject } = freshSubject();
    const envelope = await appendWithOutbox(tenantId, subject);

    await published(subject, 1);
    await outboxEmpty();
    const stored = (await jsm.streams.getMessage(t.streams.EVENTS.name, { last_by_subj: subject }))!;
    expect(stored.header.get('Nats-Msg-Id')).toBe(envelope.id);
    expect(stored.header.get('Clawfleet-Event-Type')).toBe(DeliverySucceeded.type);
    expect(stored.header.get('Clawfleet-Tenant')).toBe(tenantId);
    expect(decodeEvent(stored.data)).toEqual(envelope);
    expect(await copiesOn(subject)).toBe(1);
  });

  it('writes no message when the append conflicts', async () => {
    const { tenantId, subject } = freshSubject();
    const envelope = succeeded(tenantId);
    const streamId = `delivery-${envelope.id}`;
    await store.append(tenantId, streamId, 0, [{ id: randomUUID(), type: 'X', data: {} }]);
    await expect(
      store.append(tenantId, streamId, 0, [{ id: envelope.id, type: envelope.type, data: envelope.data }], {
        outbox: [outboxMessage(DeliverySucceeded, subject, envelope)],
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await outboxSize()).toBe(0);
  });

  describe('after a crash between commit and publish', () => {
    it('publishes what was committed while no relay ran, once and in commit order', async () => {
      const { tenantId, subject } = freshSubject();
      const envelopes = [];
      for (let i = 0; i < 5; i++) envelopes.push(await appendWithOutbox(tenantId, subject));
      expect(await outboxSize()).toBe(5);
      expect(await copiesOn(subject)).toBe(0);

      await startRelay();
      await published(subject, 5);
      await outboxEmpty();
      expect(await copiesOn(subject)).toBe(5);
      const info = await jsm.streams.info(t.streams.EVENTS.name);
      const ids: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const msg = await jsm.streams.getMessage(t.streams.EVENTS.name, { seq });
        if (msg?.subject === subject) ids.push(msg.header.get('Nats-Msg-Id'));
      }
      expect(ids).toEqual(envelopes.map((e) => e.id));
    });
  });

  describe('after a crash between publish and delete', () => {
    it('keeps one copy when the message was published before the relay died', async () => {
      const { tenantId, subject } = freshSubject();
      const envelope = await appendWithOutbox(tenantId, subject);
      // What the relay that died had done: published the row, not deleted it.
      const [row] = await dataSource.query(`SELECT message_id, subject, payload, headers FROM eventstore.outbox`);
      await new Publisher(js).publishRaw({
        subject: row.subject,
        payload: new TextEncoder().encode(row.payload),
        msgId: row.message_id,
        headers: row.headers,
      });
      expect(row.message_id).toBe(envelope.id);
      expect(await copiesOn(subject)).toBe(1);

      const publisher = new CountingPublisher(js, subject);
      await startRelay(publisher);
      await outboxEmpty();
      expect(publisher.published).toEqual([envelope.id]);
      expect(await copiesOn(subject)).toBe(1);
    });

    it('keeps one copy when a delivered row is there again', async () => {
      const { tenantId, subject } = freshSubject();
      const publisher = new CountingPublisher(js, subject);
      await startRelay(publisher);
      const envelope = await appendWithOutbox(tenantId, subject);
      await published(subject, 1);
      await outboxEmpty();

      const stored = (await jsm.streams.getMessage(t.streams.EVENTS.name, { last_by_subj: subject }))!;
      await dataSource.query(
        `INSERT INTO eventstore.outbox (message_id, subject, payload, headers) VALUES ($1, $2, $3, $4)`,
        [envelope.id, subject, stored.string(), JSON.stringify({ 'Clawfleet-Event-Type': envelope.type })],
      );
      await waitFor(() => publisher.published.length === 2, 'the relay to publish the row again');
      await outboxEmpty();
      expect(publisher.published).toEqual([envelope.id, envelope.id]);
      expect(await copiesOn(subject)).toBe(1);
    });
  });

  describe('with two relays on one database', () => {
    it('lets one lead; every message is published once, by the leader; the other takes over when it stops', async () => {
      const { tenantId, subject } = freshSubject();
      const first = new CountingPublisher(js, subject);
      const second = new CountingPublisher(js, subject);
      const relayA = await startRelay(first);
      const relayB = await startRelay(second);
      await waitFor(() => relayA.isLeader || relayB.isLeader, 'a leader');
      const [leader, follower] = relayA.isLeader ? [relayA, relayB] : [relayB, relayA];
      const [leaderCounts, followerCounts] = relayA.isLeader ? [first, second] : [second, first];

      const envelopes = await Promise.all(Array.from({ length: 20 }, () => appendWithOutbox(tenantId, subject)));
      await published(subject, 20);
      await outboxEmpty();
      expect([relayA.isLeader, relayB.isLeader].filter(Boolean)).toHaveLength(1);
      expect(follower.isLeader).toBe(false);
      expect(leaderCounts.published.sort()).toEqual(envelopes.map((e) => e.id).sort());
      expect(followerCounts.published).toEqual([]);
      expect(await copiesOn(subject)).toBe(20);

      await leader.stop();
      const later = await appendWithOutbox(tenantId, subject);
      await published(subject, 21);
      expect(follower.isLeader).toBe(true);
      expect(followerCounts.published).toEqual([later.id]);
    });
  });

  describe("with the relays of two services on one database (each service's NATS user publishes only its own subjects)", () => {
    it("has each service's relay lead its own rows: it publishes its service's leftovers and never the other's", async () => {
      const a = freshSubject();
      const b = freshSubject();
      // Leftovers of both services: committed while neither relay ran (their writers crashed).
      const ofA = [];
      const ofB = [];
      for (let i = 0; i < 3; i++) {
        ofA.push(await appendWithOutbox(a.tenantId, a.subject, 'svc-a'));
        ofB.push(await appendWithOutbox(b.tenantId, b.subject, 'svc-b'));
      }
      const publisherA = new RecordingPublisher(js);
      const relayA = await startRelay(publisherA, 'svc-a');
      await published(a.subject, 3);
      await waitFor(async () => (await outboxSize()) === 3, "svc-a's rows deleted");
      // A few more polls of relayA's (every 50 ms): svc-b's rows stay for svc-b's relay.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await copiesOn(b.subject)).toBe(0);
      expect(await outboxSize()).toBe(3);

      const publisherB = new RecordingPublisher(js);
      const relayB = await startRelay(publisherB, 'svc-b');
      await published(b.subject, 3);
      await outboxEmpty();
      // Both lead at once: one leader per service, not per database.
      expect([relayA.isLeader, relayB.isLeader]).toEqual([true, true]);
      expect(publisherA.published).toEqual(ofA.map((e) => ({ subject: a.subject, msgId: e.id })));
      expect(publisherB.published).toEqual(ofB.map((e) => ({ subject: b.subject, msgId: e.id })));

      // While both run, a later leftover of svc-b's goes to svc-b's relay only.
      const later = await appendWithOutbox(b.tenantId, b.subject, 'svc-b');
      await published(b.subject, 4);
      await outboxEmpty();
      expect(publisherB.published.at(-1)).toEqual({ subject: b.subject, msgId: later.id });
      expect(publisherA.published.filter((p) => p.subject === b.subject)).toEqual([]);
      expect(await copiesOn(a.subject)).toBe(3);
    });

    it('publishes a row without an owner (written before owners existed) by whichever relay runs', async () => {
      const { tenantId, subject } = freshSubject();
      const envelope = await appendWithOutbox(tenantId, subject);
      await dataSource.query(`UPDATE eventstore.outbox SET owner = NULL WHERE message_id = $1`, [envelope.id]);
      await startRelay(new Publisher(js), 'svc-b');
      await published(subject, 1);
      await outboxEmpty();
    });

    it("gives rows written before the owner column to their writer's relay, known by their subject", async () => {
      const migration = new OutboxOwner1732100000880();
      const runner = dataSource.createQueryRunner();
      try {
        await migration.down(runner);
        const ns = t.namespace;
        const subjects = [
          `${ns}.outbound.ready.http`,
          `${ns}.events.turn.completed.acme`,
          `${ns}.inbound.received.http.3`,
          `${ns}.events.provisioning.changed.acme`,
          'events.turn.failed.acme',
          `${ns}.events.delivery.succeeded.acme`,
        ];
        for (const [i, subject] of subjects.entries()) {
          await runner.query(`INSERT INTO eventstore.outbox (message_id, subject, payload) VALUES ($1, $2, '{}')`, [
            `old-${i}`,
            subject,
          ]);
        }
        await migration.up(runner);
        const rows: Array<{ owner: string | null }> = await runner.query(
          `SELECT owner FROM eventstore.outbox ORDER BY id`,
        );
        expect(rows.map((r) => r.owner)).toEqual([
          'session-runner',
          'session-runner',
          'admin-api',
          'admin-api',
          'session-runner',
          null,
        ]);
      } finally {
        await runner.query(`DELETE FROM eventstore.outbox`);
        await runner.release();
      }
    });
  });

  it('survives its PostgreSQL connection being killed and publishes later appends', async () => {
    const relay = await startRelay();
    const { tenantId, subject } = freshSubject();
    await appendWithOutbox(tenantId, subject);
    await published(subject, 1);
    expect(relay.isLeader).toBe(true);

    const relayBackends = async (): Promise<number[]> =>
      (
        await dataSource.query(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'outbox-relay' AND datname = $1`,
          [db.name],
        )
      ).map((r: { pid: number }) => r.pid);
    const [killed] = await relayBackends();
    const [{ ok }] = await dataSource.query(`SELECT pg_terminate_backend($1) AS ok`, [killed]);
    expect(ok).toBe(true);

    await appendWithOutbox(tenantId, subject);
    await published(subject, 2);
    await outboxEmpty();
    const backends = await relayBackends();
    expect(backends).toHaveLength(1);
    expect(backends).not.toContain(killed);
    expect(relay.isLeader).toBe(true);
  });
});

describe('the fast path (publishNow)', () => {
  /** Runs queries on the spec's pool, counting the deletes. */
  const countingRunner = () => {
    const deletes: string[][] = [];
    return {
      deletes,
      query: (sql: string, params?: unknown[]) => {
        if (sql.startsWith('DELETE')) deletes.push(params![0] as string[]);
        return dataSource.query(sql, params);
      },
    };
  };
  const rowsOf = async (ids: string[]) =>
    (await dataSource.query(`SELECT id FROM eventstore.outbox WHERE id = ANY($1::bigint[])`, [ids])).length;

  async function publishThree(relay: OutboxRelay, run: ReturnType<typeof countingRunner>) {
    const { tenantId, subject } = freshSubject();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const envelope = succeeded(tenantId);
      const message = outboxMessage(DeliverySucceeded, subject, envelope);
      const { outboxIds } = await store.appendWithOutbox(
        tenantId,
        `delivery-${envelope.id}`,
        0,
        [{ id: envelope.id, type: envelope.type, data: envelope.data }],
        { outbox: [message], notifyRelay: false },
      );
      await relay.publishNow([message], outboxIds, run);
      ids.push(...outboxIds);
    }
    await published(subject, 3);
    return ids;
  }

  it('deletes what several writers published in one statement per window, and before the process stops', async () => {
    const relay = new OutboxRelay({
      databaseUrl: db.url,
      owner: 'session-runner',
      publisher: new Publisher(js),
      logger,
      leftoverAfterMs: 60_000,
      deleteEveryMs: 60_000,
    });
    relays.push(relay);
    await relay.start();
    const run = countingRunner();
    const ids = await publishThree(relay, run);
    // Published, and kept until the window ends: not one delete per append.
    expect(await rowsOf(ids)).toBe(3);
    expect(run.deletes).toEqual([]);
    await relay.stop();
    expect(run.deletes).toEqual([ids]);
    expect(await rowsOf(ids)).toBe(0);
  });

  it('deletes them within the default window, while the process runs', async () => {
    const relay = new OutboxRelay({
      databaseUrl: db.url,
      owner: 'session-runner',
      publisher: new Publisher(js),
      logger,
      leftoverAfterMs: 2_000,
    });
    relays.push(relay);
    await relay.start();
    const run = countingRunner();
    const ids = await publishThree(relay, run);
    await waitFor(async () => (await rowsOf(ids)) === 0, 'the published rows to be deleted');
    expect(run.deletes.flat().sort()).toEqual([...ids].sort());
  });
});
