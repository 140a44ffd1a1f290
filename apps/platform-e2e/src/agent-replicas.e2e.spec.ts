import type { ChatClient, RecordedRequest } from '@clawfleet/testing';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';
import { openProvisioning, type ProvisioningProbe } from './support/provisioning';

/*
 * Agents as data with two session-runner replicas: a change of an agent's instructions takes effect
 * on the next turn on every replica (the version travels with the message), and a session replays
 * with the version it recorded — a runner killed mid-turn after the agent changed leaves the turn to
 * the other replica, which finishes it with the old version; only the next message, routed with the
 * new version, moves the session to it (decision 0012, 4).
 *
 * Each replica has a key of its own, so the fake model's requests tell which runner made them.
 */
const KEYS = { 'session-runner': 'key-runner-0', 'session-runner#1': 'key-runner-1' } as const;
type Runner = keyof typeof KEYS;
const runnerOf = (r: RecordedRequest): Runner | undefined =>
  (Object.keys(KEYS) as Runner[]).find((runner) => r.headers['authorization'] === `Bearer ${KEYS[runner]}`);
const systemOf = (r: RecordedRequest) =>
  (r.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'system')?.content ?? '';

let f: PlatformFixture;
let p: ProvisioningProbe;
const chats: ChatClient[] = [];

const scribe = (version: string) => ({ instructions: `You are the scribe, ${version}.` });

beforeAll(async () => {
  f = await startPlatform({
    replicas: { 'session-runner': 2 },
    instanceEnv: {
      'session-runner': { MODEL_API_KEY: KEYS['session-runner'] },
      'session-runner#1': { MODEL_API_KEY: KEYS['session-runner#1'] },
    },
  });
  p = await openProvisioning(f);
  await p.repo.createAgent('default', { id: 'scribe', config: scribe('first edition') });
});
afterAll(async () => {
  await Promise.all(chats.map((c) => c.close()));
  await p?.close();
  await f?.stop();
});
afterEach(() => f.model.reset());

/** A chat bound to the scribe, whose binding the router has seen (its first reply came from the scribe). */
async function scribeChat(chatId: string): Promise<ChatClient> {
  const group = await p.repo.createGroup('default', { channel: 'http', chatId });
  await p.repo.bind('default', group, { agentId: 'scribe', engageMode: 'always' });
  p.changed('default', 'binding');
  const chat = await f.openChat(chatId);
  chats.push(chat);
  await eventually(`the binding of ${chatId} is routed`, async () => {
    const before = f.model.requests.length;
    await chat.send(`hello from ${chatId} ${Date.now()}`);
    await chat.nextReply(15_000);
    return f.model.requests.slice(before).some((r) => systemOf(r).includes('You are the scribe'));
  });
  return chat;
}

/** One message from each chat; the model's requests of those turns. */
async function oneTurnEach(of: readonly ChatClient[], text: string): Promise<RecordedRequest[]> {
  const before = f.model.requests.length;
  await Promise.all(of.map((chat) => chat.send(`${text} (${chat.chatId})`)));
  await Promise.all(of.map((chat) => chat.nextReply(15_000)));
  return f.model.requests.slice(before);
}

describe('an agent served by two runner replicas', () => {
  it('takes new instructions on the next turn, on every replica', async () => {
    // Chats until both replicas run some of their sessions (the shared consumer spreads them).
    const served = new Set<Runner>();
    for (let i = 0; i < 24 && served.size < 2; i++) {
      await scribeChat(`scribe-${i}`);
      for (const r of await oneTurnEach(chats, `turn ${i}`)) served.add(runnerOf(r)!);
    }
    expect([...served].sort()).toEqual(['session-runner', 'session-runner#1']);

    const { version } = await p.repo.updateAgent('default', 'scribe', { config: scribe('second edition') });
    p.changed('default', 'agent', 'scribe');
    // Once the router routes with the new version (its cache dropped)…
    await eventually('the router routes with the new version', async () =>
      (await oneTurnEach(chats.slice(0, 1), 'probe')).every((r) => systemOf(r).includes('second edition')),
    );
    // …the next turn of every chat runs it, on both replicas.
    const next = await oneTurnEach(chats, 'after the change');
    expect(next).toHaveLength(chats.length);
    expect(next.filter((r) => !systemOf(r).includes('You are the scribe, second edition.'))).toEqual([]);
    expect(new Set(next.map(runnerOf))).toEqual(new Set(['session-runner', 'session-runner#1']));
    const recorded = await p.dataSource.query(
      `SELECT DISTINCT (data ->> 'version')::int AS v FROM eventstore.events
       WHERE type = 'AgentConfigured' AND data ->> 'agentId' = 'scribe' ORDER BY v`,
    );
    expect(recorded.map((r: { v: number }) => r.v)).toEqual([1, version]);
  });

  it('a session replays with the version it recorded: a turn taken over after a change keeps it, the next message moves on', async () => {
    const chat = await scribeChat('scribe-replay');
    const { version: recorded } = await p.repo.updateAgent('default', 'scribe', { config: scribe('third edition') });
    p.changed('default', 'agent', 'scribe');
    await eventually('the session records the third edition', async () =>
      (await oneTurnEach([chat], 'warm up')).every((r) => systemOf(r).includes('third edition')),
    );

    // A turn in flight (the model hangs) when the agent changes again.
    f.model.reset();
    f.model.setLatency(60_000);
    await chat.send('a long question');
    const [inFlight] = await f.model.waitForRequests(1, undefined, 15_000);
    expect(systemOf(inFlight!)).toContain('third edition');
    await p.repo.updateAgent('default', 'scribe', { config: scribe('fourth edition') });
    p.changed('default', 'agent', 'scribe');

    // Its runner dies; the other replica takes the session over and replays its stream.
    const dead = runnerOf(inFlight!)!;
    const survivor: Runner = dead === 'session-runner' ? 'session-runner#1' : 'session-runner';
    await f.platform.kill(dead);
    f.model.setLatency(0);
    const reply = await chat.nextReply(30_000);
    expect(reply.text).toBe('echo: a long question');
    const retried = f.model.requests.slice(1);
    expect(retried.map(runnerOf)).toEqual([survivor]);
    expect(systemOf(retried[0]!)).toContain('You are the scribe, third edition.');

    // The decided point: the next message is routed with the new version, recorded before it.
    await eventually('the next message runs the fourth edition', async () =>
      (await oneTurnEach([chat], 'and now?')).every((r) => systemOf(r).includes('fourth edition')),
    );
    const versions = await p.dataSource.query(
      `SELECT (data ->> 'version')::int AS v FROM eventstore.events
       WHERE stream_id = $1 AND type = 'AgentConfigured' ORDER BY version`,
      [`session-${reply.sessionId}`],
    );
    // The version of its first message, the third edition, and the fourth only from the message after the takeover.
    expect(versions.map((r: { v: number }) => r.v)).toEqual([recorded - 1, recorded, recorded + 1]);
    await f.platform.start(dead);
  });
});
