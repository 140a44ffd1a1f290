import type { SessionEvent } from '@clawfleet/contracts';
import { EventStore } from '@clawfleet/event-store';
import { ConflictError } from '@clawfleet/platform';
import { DailyUsage } from '@clawfleet/records';
import { createMigratedDatabase, type MigratedDatabase } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import { runnerMigrations } from '../migrations';
import { decide } from './session.decider';
import { evolve, initialState } from './session.state';
import { SessionStore, streamIdOf } from './session.store';

let db: MigratedDatabase;
let store: SessionStore;
let raw: EventStore;
let usage: DailyUsage;
const noOutbox = { owner: 'session-runner', publishNow: async () => undefined };

beforeAll(async () => {
  db = await createMigratedDatabase(runnerMigrations, { applicationName: 'session-store-spec' });
  store = new SessionStore(db.dataSource, noOutbox);
  raw = new EventStore(db.dataSource);
  usage = new DailyUsage(db.dataSource);
});
afterAll(async () => {
  await db?.close();
});

const chat = { channel: 'http' as const, chatId: 'alice' };
const started = (sessionId: string, agentId = 'writer'): SessionEvent => ({
  type: 'SessionStarted',
  data: { sessionId, agentId, chat },
});
const message = (seq: number): SessionEvent => ({
  type: 'UserMessageAdded',
  data: {
    // UserMessageAdded's event id derives from its turn: unique per session here.
    turnId: randomUUID(),
    seq,
    messageId: `m${seq}`,
    text: `hello ${seq}`,
    sender: { id: 'alice' },
    source: 'user',
    correlationId: `c${seq}`,
  },
});
/** A message and the turn that answers it. */
const turnOf = (): SessionEvent[] => {
  const added = message(1);
  return [added, { type: 'TurnStarted', data: { turnId: (added.data as { turnId: string }).turnId } }];
};
const responded = (model: string, inputTokens: number, outputTokens: number): SessionEvent => ({
  type: 'ModelResponded',
  data: {
    turnId: '0193a000-0000-7000-8000-000000000001',
    round: 1,
    model,
    text: 'done',
    toolCalls: [],
    usage: { inputTokens, outputTokens },
    finishReason: 'stop',
    latencyMs: 1,
  },
});

describe('a stream recorded by an older runner', () => {
  it('folds its commands without an outcome as they were folded then, and its old snapshot is rebuilt', async () => {
    const sessionId = randomUUID();
    const streamId = streamIdOf(sessionId);
    // Exactly as the runner before decided outcomes stored them: no `outcome` in CommandReceived.
    const old = (seq: number, name: string, args = '') => ({
      id: randomUUID(),
      type: 'CommandReceived',
      data: {
        turnId: `0193b000-0000-7000-8000-00000000000${seq}`,
        seq,
        messageId: `m${seq}`,
        command: { name, args },
        correlationId: 'c',
      },
    });
    await raw.append('acme', streamId, 0, [
      { id: randomUUID(), ...started(sessionId) },
      { id: randomUUID(), ...message(1) },
      old(2, 'stop'),
      old(3, 'help'),
      old(4, 'continue'),
    ]);
    // A snapshot of the state shape of that time (no modelUsage), under the old schema version.
    await db.dataSource.query(
      `INSERT INTO eventstore.snapshots (stream_id, tenant_id, version, schema_version, state) VALUES ($1, 'acme', 2, 2, $2)`,
      [streamId, JSON.stringify({ status: 'idle', sessionId, agentId: 'writer', chat, lastSeq: 1, queue: [] })],
    );

    const { state, version } = await store.load('acme', streamId);
    expect(version).toBe(5);
    expect(state).toMatchObject({
      status: 'idle',
      lastSeq: 4,
      modelUsage: {},
      queue: [{ text: 'Please continue where you stopped.', turnId: '0193b000-0000-7000-8000-000000000004' }],
      notices: [
        { kind: 'text', text: 'Stopped.' },
        { kind: 'text', text: expect.stringMatching(/^Commands: \/new .*\/status shows the session, \/model/) },
      ],
    });
    // The stream goes on in the new shape: the next command is recorded with its outcome.
    const next = decide(
      {
        type: 'RecordUserMessage',
        sessionId,
        agentId: 'writer',
        chat,
        turnId: '0193b000-0000-7000-8000-000000000005',
        seq: 5,
        messageId: 'm5',
        text: '/usage',
        sender: { id: 'alice' },
        source: 'user',
        correlationId: 'c',
        command: { name: 'usage', args: '' },
      },
      state,
    );
    expect(next).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ outcome: { answer: { kind: 'usage' } } }) }),
    ]);
    await store.append('acme', streamId, version, next);
    store.forget('acme', streamId);
    expect((await store.load('acme', streamId)).state).toMatchObject({ notices: [{}, {}, { kind: 'usage' }] });
  });
});

describe('usage recorded with the model responses', () => {
  it('counts each commit once, per model, and sums an agent’s sessions of the day', async () => {
    const tenantId = `t${randomUUID().slice(0, 8)}`;
    // As the runner appends: with the state after, which has the store add the events' usage.
    const append = async (sessionId: string, _agentId: string, at: number, events: SessionEvent[]) => {
      const before = at === 0 ? initialState : (await store.load(tenantId, streamIdOf(sessionId))).state;
      return store.appendWith(tenantId, streamIdOf(sessionId), at, events, { stateAfter: events.reduce(evolve, before) });
    };
    const [a, b, other] = [randomUUID(), randomUUID(), randomUUID()];
    await append(a, 'writer', 0, [
      started(a),
      ...turnOf(),
      responded('gpt-4o-mini', 100, 10),
      responded('gpt-4o-mini', 50, 5),
    ]);
    await append(a, 'writer', 5, [responded('claude-haiku-4-5', 7, 3)]);
    await append(b, 'writer', 0, [started(b), ...turnOf(), responded('gpt-4o-mini', 1_000, 100)]);
    await append(other, 'critic', 0, [started(other, 'critic'), ...turnOf(), responded('gpt-4o-mini', 9, 9)]);
    // A commit that does not happen counts nothing.
    await expect(append(a, 'writer', 3, [responded('gpt-4o-mini', 5_000, 5_000)])).rejects.toBeInstanceOf(
      ConflictError,
    );

    expect(await usage.agentToday(tenantId, 'writer')).toEqual({
      'claude-haiku-4-5': { inputTokens: 7, outputTokens: 3, calls: 1 },
      'gpt-4o-mini': { inputTokens: 1_150, outputTokens: 115, calls: 3 },
    });
    expect(await usage.agentToday(tenantId, 'critic')).toEqual({
      'gpt-4o-mini': { inputTokens: 9, outputTokens: 9, calls: 1 },
    });
    expect(await usage.agentToday('another-tenant', 'writer')).toEqual({});
    expect((await store.load(tenantId, streamIdOf(a))).state).toMatchObject({
      usage: { inputTokens: 157, outputTokens: 18 },
      modelUsage: {
        'gpt-4o-mini': { inputTokens: 150, outputTokens: 15, calls: 2 },
        'claude-haiku-4-5': { inputTokens: 7, outputTokens: 3, calls: 1 },
      },
    });
  });
});
