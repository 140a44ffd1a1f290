import { EventStore, eventStoreMigrations } from '@clawfleet/event-store';
import { uuidV7Ids } from '@clawfleet/platform';
import { createMigratedDatabase, type MigratedDatabase } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  DailyUsage,
  DeliveryLog,
  deliveryRecordMigrations,
  runnerRecordMigrations,
  SessionIndex,
  sessionIndexWrite,
  dailyUsageWrite,
  type IndexedSession,
  type SessionFilter,
  type SessionSummary,
  type TimeKey,
} from './index';

let db: MigratedDatabase;
let dataSource: DataSource;
let store: EventStore;
let index: SessionIndex;

beforeAll(async () => {
  db = await createMigratedDatabase([...eventStoreMigrations, ...runnerRecordMigrations, ...deliveryRecordMigrations], {
    applicationName: 'records-spec',
  });
  ({ dataSource } = db);
  store = new EventStore(dataSource);
  index = new SessionIndex(dataSource);
});
afterAll(async () => {
  await db?.close();
});

const noted = () => [{ id: randomUUID(), type: 'Noted', data: {} }];

function summary(tenantId: string, over: Partial<SessionSummary> = {}): SessionSummary {
  return {
    sessionId: uuidV7Ids.next(),
    tenantId,
    agentId: 'bot',
    agentVersion: 1,
    chat: { channel: 'http', chatId: 'c1' },
    status: 'idle',
    turnId: null,
    queued: 0,
    lastSeq: 1,
    turns: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
    ...over,
  };
}

/** A session's first append, with its index row alongside. */
async function started(s: SessionSummary): Promise<SessionSummary> {
  await store.append(s.tenantId, `session-${s.sessionId}`, 0, noted(), { also: [sessionIndexWrite(s)] });
  return s;
}

/** Walks every page of a list; returns the ids in order. */
async function walk(tenantId: string, filter: SessionFilter, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: TimeKey | undefined;
  for (;;) {
    const page: IndexedSession[] = await index.list(tenantId, filter, { after, limit });
    ids.push(...page.map((s) => s.sessionId));
    if (page.length < limit) return ids;
    after = page.at(-1)!.key;
  }
}

describe('the session index', () => {
  it('is written with the append, and only when the append happens', async () => {
    const s = await started(summary('idx-a'));
    expect(await index.get('idx-a', s.sessionId)).toMatchObject({ status: 'idle', version: 1, agentVersion: 1 });
    const running = { ...s, status: 'running' as const, turnId: randomUUID(), queued: 1, lastSeq: 2 };
    await store.append('idx-a', `session-${s.sessionId}`, 1, noted(), { also: [sessionIndexWrite(running)] });
    expect(await index.get('idx-a', s.sessionId)).toMatchObject({
      status: 'running',
      turnId: running.turnId,
      queued: 1,
      lastSeq: 2,
      version: 2,
    });
    // A stale append (another writer got there first) changes nothing.
    await expect(
      store.append('idx-a', `session-${s.sessionId}`, 1, noted(), {
        also: [sessionIndexWrite({ ...s, status: 'suspended' })],
      }),
    ).rejects.toThrow();
    expect((await index.get('idx-a', s.sessionId))!.status).toBe('running');
    expect(await index.get('idx-b', s.sessionId)).toBeUndefined();
  });

  it('pages newest first, each session once, with every filter, and never shows another tenant', async () => {
    const made: SessionSummary[] = [];
    for (let i = 0; i < 12; i++)
      made.push(
        await started(
          summary('idx-list', {
            agentId: i % 3 === 0 ? 'critic' : 'writer',
            status: i % 4 === 0 ? 'running' : 'idle',
            turnId: i % 4 === 0 ? randomUUID() : null,
            chat: { channel: i % 2 ? 'telegram' : 'http', chatId: `chat-${i % 5}` },
          }),
        ),
      );
    await started(summary('idx-other'));
    const newestFirst = made.map((s) => s.sessionId).reverse();
    expect(await walk('idx-list', {}, 5)).toEqual(newestFirst);
    expect(await walk('idx-list', {}, 1)).toEqual(newestFirst);
    const only = (pick: (s: SessionSummary) => boolean) =>
      made
        .filter(pick)
        .map((s) => s.sessionId)
        .reverse();
    expect(await walk('idx-list', { agentId: 'critic' }, 2)).toEqual(only((s) => s.agentId === 'critic'));
    expect(await walk('idx-list', { status: 'running' }, 2)).toEqual(only((s) => s.status === 'running'));
    expect(await walk('idx-list', { status: 'idle' }, 4)).toEqual(only((s) => s.status === 'idle'));
    expect(await walk('idx-list', { channel: 'telegram', chatId: 'chat-1' }, 2)).toEqual(
      only((s) => s.chat.channel === 'telegram' && s.chat.chatId === 'chat-1'),
    );
    expect(await walk('idx-list', { agentId: 'writer', status: 'idle', channel: 'http' }, 3)).toEqual(
      only((s) => s.agentId === 'writer' && s.status === 'idle' && s.chat.channel === 'http'),
    );
    expect(await walk('idx-other', {}, 50)).toHaveLength(1);
    expect(await walk('idx-nobody', {}, 50)).toEqual([]);
  });

  it('filters by update time, and a session updated meanwhile moves to the front', async () => {
    const a = await started(summary('idx-time'));
    const b = await started(summary('idx-time'));
    const { updatedAt: bAt } = (await index.get('idx-time', b.sessionId))!;
    // The API's times have millisecond precision, the index's microseconds: a's update must fall in a
    // later millisecond than b's for `updatedSince: aAt` to leave b out.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.append('idx-time', `session-${a.sessionId}`, 1, noted(), { also: [sessionIndexWrite(a)] });
    const { updatedAt: aAt } = (await index.get('idx-time', a.sessionId))!;
    expect(await walk('idx-time', {}, 10)).toEqual([a.sessionId, b.sessionId]);
    expect(await walk('idx-time', { updatedSince: aAt }, 10)).toEqual([a.sessionId]);
    expect(await walk('idx-time', { updatedBefore: aAt }, 10)).toEqual([b.sessionId]);
    expect(await walk('idx-time', { updatedSince: new Date(bAt.getTime() + 3_600_000) }, 10)).toEqual([]);
  });

  it('keeps microseconds in its page keys: rows updated within one millisecond are neither skipped nor repeated', async () => {
    const ids = Array.from({ length: 6 }, () => uuidV7Ids.next());
    // One statement: the same now() to the microsecond for every row, then apart by microseconds.
    await dataSource.query(
      `INSERT INTO runner.sessions (session_id, tenant_id, agent_id, channel, chat_id, status, version, updated_at)
       SELECT id::uuid, 'idx-us', 'bot', 'http', 'c', 'idle', 1, '2026-01-01T00:00:00Z'::timestamptz + (n % 3) * interval '1 microsecond'
       FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)`,
      [ids],
    );
    const walked = await walk('idx-us', {}, 1);
    expect(walked.sort()).toEqual([...ids].sort());
  });
});

describe('daily usage', () => {
  it('adds each append once, per tenant, agent, day and model, and totals a range', async () => {
    const usage = new DailyUsage(dataSource);
    const id = `usage-${randomUUID()}`;
    const call = { inputTokens: 10, outputTokens: 5, calls: 1 };
    await store.append('use-a', id, 0, noted(), { also: [dailyUsageWrite('use-a', 'bot', { byModel: { m1: call }, turns: 0 })] });
    await store.append('use-a', id, 1, noted(), {
      also: [dailyUsageWrite('use-a', 'bot', { byModel: { m1: call, m2: { inputTokens: 3, outputTokens: 2, calls: 1 } }, turns: 1 })],
    });
    await expect(
      store.append('use-a', id, 1, noted(), { also: [dailyUsageWrite('use-a', 'bot', { byModel: { m1: call }, turns: 0 })] }),
    ).rejects.toThrow();
    await store.append('use-a', `usage-${randomUUID()}`, 0, noted(), {
      also: [dailyUsageWrite('use-a', 'critic', { byModel: { m1: { inputTokens: 1, outputTokens: 1, calls: 1 } }, turns: 1 })],
    });
    // A turn that ends with no model call in its append counts under no model.
    await store.append('use-a', id, 2, noted(), { also: [dailyUsageWrite('use-a', 'bot', { byModel: {}, turns: 1 })] });
    const today = new Date().toISOString().slice(0, 10);
    const range = { from: '2000-01-01', to: '2999-12-31' };
    expect(await usage.list('use-a', range, { limit: 10 })).toEqual([
      { day: today, agentId: 'critic', inputTokens: 1, outputTokens: 1, modelCalls: 1, turns: 1 },
      { day: today, agentId: 'bot', inputTokens: 23, outputTokens: 12, modelCalls: 3, turns: 2 },
    ]);
    const [first] = await usage.list('use-a', range, { limit: 1 });
    expect(await usage.list('use-a', range, { limit: 5, after: first })).toHaveLength(1);
    expect(await usage.list('use-a', { ...range, agentId: 'bot' }, { limit: 10 })).toHaveLength(1);
    expect(await usage.total('use-a', range)).toEqual({ inputTokens: 24, outputTokens: 13, modelCalls: 4, turns: 3 });
    expect(await usage.list('use-a', { from: '2000-01-01', to: '2000-12-31' }, { limit: 10 })).toEqual([]);
    expect(await usage.list('use-b', range, { limit: 10 })).toEqual([]);
    // What /usage shows: the agent's day by model, never another tenant's.
    expect(await usage.agentToday('use-a', 'bot')).toEqual({
      m1: { inputTokens: 20, outputTokens: 10, calls: 2 },
      m2: { inputTokens: 3, outputTokens: 2, calls: 1 },
    });
    expect(await usage.agentToday('use-b', 'bot')).toEqual({});
  });
});

describe('delivery failures', () => {
  it("lists a tenant's failed deliveries newest first, a page at a time, never the sent ones", async () => {
    const log = new DeliveryLog(dataSource);
    const sessionId = randomUUID();
    const outbound = (seq: number, tenantId = 'dlv-a') => ({
      id: randomUUID(),
      type: 'outbound.ready' as const,
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      tenantId,
      correlationId: 'c',
      causationId: null,
      data: {
        outboundId: uuidV7Ids.next(),
        sessionId,
        turnId: null,
        seq,
        chat: { channel: 'telegram' as const, chatId: 'x' },
        text: 'hi',
        kind: 'reply' as const,
      },
    });
    const failed = [];
    for (let seq = 1; seq <= 5; seq++) {
      const o = outbound(seq);
      if (seq === 3) await log.settle(o, { status: 'sent', channelMessageIds: ['m'] });
      else {
        await log.settle(o, { status: 'failed', error: `no chat ${seq}` });
        failed.push(o.data.outboundId);
      }
    }
    await log.settle(outbound(9, 'dlv-b'), { status: 'failed', error: 'theirs' });
    const first = await log.listFailures('dlv-a', {}, { limit: 3 });
    const rest = await log.listFailures('dlv-a', {}, { limit: 3, after: first.at(-1)!.key });
    expect([...first, ...rest].map((f) => f.outboundId)).toEqual([...failed].reverse());
    expect(first[0]).toMatchObject({ seq: 5, channel: 'telegram', chatId: 'x', error: 'no chat 5', sessionId });
    expect(await log.listFailures('dlv-a', { sessionId: randomUUID() }, { limit: 10 })).toEqual([]);
    expect((await log.listFailures('dlv-b', {}, { limit: 10 })).map((f) => f.error)).toEqual(['theirs']);
  });
});
