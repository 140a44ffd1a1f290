import { createDataSource, migrate } from '@clawfleet/platform';
import { provisioningEntities } from '@clawfleet/provisioning';
import { createTestDatabase, type TestDatabase } from '@clawfleet/testing';
import type { DataSource } from 'typeorm';
import { routerMigrations } from '../migrations';
import { InboundOutcomes } from '@clawfleet/records';
import { PendingContext } from './pending-context';
import { SessionDirectory } from './session-directory';

let db: TestDatabase;
let dataSource: DataSource;
let sessions: SessionDirectory;
let outcomes: InboundOutcomes;
let context: PendingContext;
const id = (n: number) => `01936b2e-0000-7000-8000-${String(n).padStart(12, '0')}`;

beforeAll(async () => {
  db = await createTestDatabase('cf_router');
  dataSource = createDataSource({
    url: db.url,
    poolSize: 4,
    applicationName: 'spec',
    migrations: routerMigrations,
    entities: provisioningEntities,
  });
  await dataSource.initialize();
  await migrate(dataSource);
  sessions = new SessionDirectory(dataSource);
  outcomes = new InboundOutcomes(dataSource);
  context = new PendingContext(dataSource);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

describe('SessionDirectory', () => {
  it('gives each agent of a chat its own session and order; a routed turn keeps its seq', async () => {
    const base = { tenantId: 'acme', chatKey: 'telegram:-100' };
    const a1 = await sessions.route({ ...base, agentId: 'writer', turnId: id(1), newSessionId: id(101) });
    const b1 = await sessions.route({ ...base, agentId: 'critic', turnId: id(2), newSessionId: id(102) });
    const a2 = await sessions.route({ ...base, agentId: 'writer', turnId: id(3), newSessionId: id(103) });
    expect([a1, b1, a2]).toEqual([
      { sessionId: id(101), agentId: 'writer', seq: 1 },
      { sessionId: id(102), agentId: 'critic', seq: 1 },
      { sessionId: id(101), agentId: 'writer', seq: 2 },
    ]);
    expect(await sessions.route({ ...base, agentId: 'writer', turnId: id(3), newSessionId: id(104) })).toEqual(a2);
  });

  it('records the plain path’s outcome in the routing statement itself', async () => {
    const routed = await sessions.route({
      tenantId: 'acme',
      chatKey: 'http:x',
      agentId: 'bot',
      turnId: id(7),
      newSessionId: id(107),
      outcomeKey: 'http:x#m7',
    });
    expect(await outcomes.outcomeOf('acme', 'http:x#m7')).toMatchObject({
      outcome: 'engaged',
      decisions: [{ kind: 'engage', agentId: 'bot', turnId: id(7), sessionId: routed.sessionId }],
    });
  });

  it('keeps a session’s stickiness, per tenant', async () => {
    const until = new Date('2030-01-01T00:00:00Z');
    await sessions.route({
      tenantId: 'acme',
      chatKey: 'slack:C1',
      agentId: 'bot',
      turnId: id(5),
      newSessionId: id(105),
      stickyUntil: until,
    });
    await sessions.route({
      tenantId: 'acme',
      chatKey: 'slack:C1',
      agentId: 'bot',
      turnId: id(6),
      newSessionId: id(106),
    });
    expect(await sessions.stickiness('acme', ['slack:C1', 'slack:C2'])).toEqual(
      new Map([['bot|slack:C1', until.getTime()]]),
    );
    expect((await sessions.stickiness('globex', ['slack:C1'])).size).toBe(0);
  });
});

describe('SessionDirectory.routeInto (an operator message into one session)', () => {
  it("takes the session's next seq, in the chat's order, and records the outcome with it", async () => {
    const base = { tenantId: 'opsco', chatKey: 'http:ops-1', agentId: 'bot' };
    const first = await sessions.route({ ...base, turnId: id(201), newSessionId: id(301) });
    const into = await sessions.routeInto({
      tenantId: 'opsco',
      sessionId: first.sessionId,
      agentId: 'bot',
      turnId: id(202),
      outcomeKey: 'http:ops-1#op-1',
    });
    expect(into).toEqual({ seq: 2 });
    // A user message after it comes next; the same operator turn again keeps its seq.
    expect((await sessions.route({ ...base, turnId: id(203), newSessionId: id(302) })).seq).toBe(3);
    expect(
      await sessions.routeInto({ tenantId: 'opsco', sessionId: first.sessionId, agentId: 'bot', turnId: id(202), outcomeKey: 'x' }),
    ).toEqual({ seq: 2 });
    expect(await outcomes.outcomeOf('opsco', 'http:ops-1#op-1')).toMatchObject({
      outcome: 'engaged',
      decisions: [{ kind: 'engage', agentId: 'bot', turnId: id(202), sessionId: first.sessionId, rule: 'operator' }],
    });
  });

  it("writes nothing for a session that is not its chat's current one, another agent's, or another tenant's", async () => {
    const base = { tenantId: 'opsco', chatKey: 'http:ops-2', agentId: 'bot' };
    const old = await sessions.route({ ...base, turnId: id(211), newSessionId: id(311) });
    await sessions.route({ ...base, turnId: id(212), newSessionId: id(312), startNewSession: true });
    const attempt = (over: Partial<Parameters<typeof sessions.routeInto>[0]>) =>
      sessions.routeInto({ tenantId: 'opsco', sessionId: old.sessionId, agentId: 'bot', turnId: id(213), outcomeKey: 'k', ...over });
    expect(await attempt({})).toBeUndefined();
    expect(await attempt({ sessionId: id(312), agentId: 'other' })).toBeUndefined();
    expect(await attempt({ sessionId: id(312), tenantId: 'globex' })).toBeUndefined();
    expect(await outcomes.outcomeOf('opsco', 'k')).toBeUndefined();
    expect(await attempt({ sessionId: id(312) })).toEqual({ seq: 2 });
  });
});

describe('InboundOutcomes', () => {
  it('records one terminal outcome per message, queryable by tenant only', async () => {
    await outcomes.record('acme', 'http:a#m1', 'engaged', [
      { kind: 'engage', agentId: 'bot', turnId: id(1), sessionId: id(101) },
    ]);
    await outcomes.record('acme', 'http:a#m2', 'ignored', [
      { kind: 'ignore', agentId: 'bot', rule: 'engage-mode:mention' },
    ]);
    await outcomes.record('acme', 'http:a#m1', 'refused', []); // a second record of a settled message changes nothing
    expect(await outcomes.outcomeOf('acme', 'http:a#m1')).toMatchObject({
      outcome: 'engaged',
      decisions: [{ turnId: id(1) }],
    });
    expect(await outcomes.outcomeOf('globex', 'http:a#m1')).toBeUndefined();
    expect((await outcomes.list('acme')).map((o) => o.messageKey).sort()).toEqual([
      'http:a#m1',
      'http:a#m2',
      'http:x#m7',
    ]);
    expect((await outcomes.list('acme', { outcome: 'ignored' })).map((o) => o.messageKey)).toEqual(['http:a#m2']);
    expect(await outcomes.list('globex')).toEqual([]);
  });

  it('a failed message that is redriven records its new outcome', async () => {
    await outcomes.record('acme', 'http:a#m3', 'failed', [{ kind: 'fail', reason: 'boom' }]);
    await outcomes.record('acme', 'http:a#m3', 'engaged', [{ kind: 'engage', agentId: 'bot' }]);
    expect((await outcomes.outcomeOf('acme', 'http:a#m3'))!.outcome).toBe('engaged');
  });
});

describe('PendingContext', () => {
  it('a turn takes the messages kept for it, and the same ones again when redelivered', async () => {
    const kept = { tenantId: 'acme', chatKey: 'telegram:-100', agentId: 'bot' };
    await context.keep({ ...kept, messageKey: 'k1', sender: 'Ann', text: 'first', receivedAt: '2026-12-01T10:00:00Z' });
    await context.keep({
      ...kept,
      messageKey: 'k2',
      sender: 'Bob',
      text: 'second',
      receivedAt: '2026-12-01T10:01:00Z',
    });
    await context.keep({
      ...kept,
      tenantId: 'globex',
      messageKey: 'k3',
      sender: 'Eve',
      text: 'not yours',
      receivedAt: '2026-12-01T10:00:30Z',
    });
    const taken = await context.take('acme', kept.chatKey, 'bot', id(9));
    expect(taken).toEqual([
      { sender: 'Ann', text: 'first' },
      { sender: 'Bob', text: 'second' },
    ]);
    expect(await context.take('acme', kept.chatKey, 'bot', id(9))).toEqual(taken);
    expect(await context.take('acme', kept.chatKey, 'bot', id(10))).toEqual([]);
  });
});
