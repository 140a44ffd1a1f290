import type { SessionEvent } from '@clawfleet/contracts';
import { DailyUsage, SessionIndex } from '@clawfleet/records';
import { uuidV7Ids } from '@clawfleet/platform';
import { createMigratedDatabase, type MigratedDatabase } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import { runnerMigrations } from '../migrations';
import { evolve, initialState, type SessionState } from './session.state';
import { SessionStore, streamIdOf } from './session.store';

let db: MigratedDatabase;
let store: SessionStore;
let index: SessionIndex;
let usage: DailyUsage;

beforeAll(async () => {
  db = await createMigratedDatabase(runnerMigrations, { applicationName: 'session-store-spec' });
  store = new SessionStore(db.dataSource, { owner: 'session-runner', publishNow: async () => undefined });
  index = new SessionIndex(db.dataSource);
  usage = new DailyUsage(db.dataSource);
});
afterAll(async () => {
  await db?.close();
});

const TENANT = 'acme';
const today = () => new Date().toISOString().slice(0, 10);
const allDays = { from: '2000-01-01', to: '2999-12-31' };

/** A session as the runner writes it: each append with the state after it. */
function session() {
  const sessionId = uuidV7Ids.next();
  const streamId = streamIdOf(sessionId);
  let state: SessionState = initialState;
  let version = 0;
  return {
    sessionId,
    async append(...events: SessionEvent[]) {
      const after = events.reduce(evolve, state);
      version = await store.append(TENANT, streamId, version, events, [], after);
      state = after;
    },
    /** An append of a writer that read an older version: refused. */
    stale(...events: SessionEvent[]) {
      return store.append(TENANT, streamId, version - 1, events, [], events.reduce(evolve, state));
    },
  };
}

const message = (turnId: string, seq: number): SessionEvent => ({
  type: 'UserMessageAdded',
  data: { turnId, seq, messageId: `m${seq}`, text: 'hi', sender: { id: 'u' }, source: 'user', correlationId: 'c' },
});
const modelResponded = (turnId: string, round: number): SessionEvent => ({
  type: 'ModelResponded',
  data: {
    turnId,
    round,
    model: 'm',
    text: 'hello',
    toolCalls: [],
    usage: { inputTokens: 100, outputTokens: 7 },
    finishReason: 'stop',
    latencyMs: 1,
  },
});

it("keeps the session's row in the index and the day's usage with every append, exactly once", async () => {
  const s = session();
  const turnId = randomUUID();
  await s.append(
    {
      type: 'SessionStarted',
      data: { sessionId: s.sessionId, agentId: 'bot', chat: { channel: 'http', chatId: 'c9' } },
    },
    message(turnId, 1),
  );
  expect(await index.get(TENANT, s.sessionId)).toMatchObject({
    agentId: 'bot',
    chat: { channel: 'http', chatId: 'c9' },
    status: 'queued',
    queued: 1,
    lastSeq: 1,
    version: 2,
  });

  await s.append({ type: 'TurnStarted', data: { turnId } }, modelResponded(turnId, 1));
  expect(await index.get(TENANT, s.sessionId)).toMatchObject({ status: 'running', turnId, queued: 0 });
  await expect(s.stale(modelResponded(turnId, 2))).rejects.toThrow();

  await s.append({
    type: 'TurnCompleted',
    data: {
      turnId,
      outboundId: randomUUID(),
      outboundSeq: 1,
      text: 'hello',
      usage: { inputTokens: 100, outputTokens: 7 },
    },
  });
  expect(await index.get(TENANT, s.sessionId)).toMatchObject({
    status: 'idle',
    turnId: null,
    turns: 1,
    usage: { inputTokens: 100, outputTokens: 7 },
    version: 5,
  });
  // One model call and one turn, though a stale append tried to add a second call.
  expect(await usage.list(TENANT, allDays, { limit: 10 })).toEqual([
    { day: today(), agentId: 'bot', inputTokens: 100, outputTokens: 7, modelCalls: 1, turns: 1 },
  ]);
});
