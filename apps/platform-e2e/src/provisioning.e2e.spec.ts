import { makeEnvelope } from '@clawfleet/bus';
import { InboundReceived, partitionOf, chatKey, INBOUND_PARTITIONS, type ChatRef } from '@clawfleet/contracts';
import { type RecordedRequest } from '@clawfleet/testing';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';
import { openProvisioning, type ProvisioningProbe } from './support/provisioning';

/*
 * Agents as data, through the HTTP channel: agents with their own instructions and models in their
 * own sessions, a group bound to two agents with different engage modes, /model gated by role, a
 * change of instructions on the next turn, and tenants kept apart.
 */
let f: PlatformFixture;
let p: ProvisioningProbe;
let owner: string;

const systemOf = (r: RecordedRequest) =>
  (r.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'system')?.content;
/** The routing outcome of a message of `chat` (a user's chat: `f.chatRef(name, user)`). */
const outcomeOf = async (tenantId: string, chat: ChatRef, messageId: string) =>
  (
    await p.dataSource.query(
      `SELECT outcome, decisions FROM router.inbound_outcomes WHERE tenant_id = $1 AND message_key = $2`,
      [tenantId, `${chatKey(chat)}#${messageId}`],
    )
  )[0];

beforeAll(async () => {
  f = await startPlatform();
  p = await openProvisioning(f);
  const { repo } = p;
  await repo.createAgent('default', {
    id: 'writer',
    config: {
      instructions: 'You write drafts.',
      models: [{ provider: 'openai', model: 'fake-writer' }],
      allowedModels: ['fake-large'],
    },
  });
  await repo.createAgent('default', {
    id: 'critic',
    config: { instructions: 'You criticize drafts.', models: [{ provider: 'openai', model: 'fake-critic' }] },
  });
  const duo = await repo.createGroup('default', { channel: 'http', chatId: 'duo' });
  await repo.bind('default', duo, { agentId: 'writer', engageMode: 'always' });
  await repo.bind('default', duo, { agentId: 'critic', engageMode: 'mention' });
  owner = await repo.createUser('default', 'Olga');
  await repo.addIdentity('default', owner, 'http', 'olga');
  await repo.grantRole('default', owner, 'owner');
  const member = await repo.createUser('default', 'Max');
  await repo.addIdentity('default', member, 'http', 'max');
  await repo.grantRole('default', member, 'member');
  p.changed('default', 'binding');
});
afterAll(async () => {
  await p?.close();
  await f?.stop();
});
afterEach(() => f.model.reset());

describe('a group bound to two agents', () => {
  it('the always-agent answers every message; the mention-agent only when mentioned, in a session of its own', async () => {
    const chat = await f.openChat('duo');
    await chat.send('draft a haiku', 'duo-1');
    const first = await chat.nextReply(15_000);
    expect(f.model.requests).toHaveLength(1);
    expect(f.model.requests[0]!.model).toBe('fake-writer');
    expect(systemOf(f.model.requests[0]!)).toContain('You write drafts.');
    expect(await outcomeOf('default', f.chatRef('duo'), 'duo-1')).toMatchObject({
      outcome: 'engaged',
      decisions: [
        { kind: 'engage', agentId: 'writer' },
        { kind: 'ignore', agentId: 'critic', rule: 'engage-mode:mention' },
      ],
    });

    await chat.send('@critic what do you think?', 'duo-2');
    const replies = [await chat.nextReply(15_000), await chat.nextReply(15_000)];
    const sessions = new Set(replies.map((r) => r.sessionId));
    expect(sessions.size).toBe(2); // writer's session and critic's
    expect(sessions.has(first.sessionId)).toBe(true);
    const byModel = Object.fromEntries(f.model.requests.map((r) => [r.model, systemOf(r)]));
    expect(byModel['fake-critic']).toContain('You criticize drafts.');
    expect(byModel['fake-writer']).toContain('You write drafts.');
    await chat.close();
  });
});

describe('an accumulating mention binding', () => {
  it('keeps what it ignored and gives it to its next turn as context', async () => {
    const group = await p.repo.createGroup('default', { channel: 'http', chatId: 'acc' });
    await p.repo.bind('default', group, { agentId: 'writer', engageMode: 'mention', ignoredPolicy: 'accumulate' });
    p.changed('default', 'binding');
    const chat = await f.openChat('acc', { user: 'olga' });
    await eventually('the binding is routed', async () => {
      const messageId = `acc-${Date.now()}`;
      await chat.send('note: the sky is green here', messageId);
      return (await outcomeOf('default', f.chatRef('acc', 'olga'), messageId))?.outcome === 'ignored';
    });
    // The note may have been sent more than once while the new binding reached the router's cache.
    await chat.send('@writer what colour is the sky?', 'acc-q');
    await chat.nextReply(15_000);
    const users = (f.model.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>).filter(
      (m) => m.role === 'user',
    );
    expect(users.at(-1)!.content).toMatch(
      // The sender is the key's user (no display name comes from the client).
      /^Earlier messages in this chat, for context:\nolga: note: the sky is green here(\n[\s\S]*)?\n\n@writer what colour is the sky\?$/,
    );
    await chat.close();
  });
});

describe('/model is gated by role', () => {
  it('refuses a member and a model the agent does not allow; records an owner’s choice', async () => {
    // Each user's chat "duo" is their own, bound by the same group: the key's user is the sender.
    const member = await f.openChat('duo', { user: 'max' });
    await member.send('/model@writer fake-large', 'perm-1');
    expect(await member.nextReply(15_000)).toMatchObject({
      kind: 'notice',
      text: 'Only an owner or admin of this agent may change its model.',
    });
    await member.close();
    expect(await outcomeOf('default', f.chatRef('duo', 'max'), 'perm-1')).toMatchObject({
      outcome: 'refused',
      decisions: [
        { kind: 'refuse', rule: 'model-permission' },
        { kind: 'ignore', rule: 'command-target' },
      ],
    });
    const chat = await f.openChat('duo', { user: 'olga' });
    await chat.send('/model@writer fake-huge', 'perm-2');
    expect((await chat.nextReply(15_000)).text).toBe(
      'The model fake-huge is not allowed for this agent. Allowed: fake-large.',
    );
    await chat.send('/model@writer fake-large', 'perm-3');
    expect((await chat.nextReply(15_000)).text).toBe('The model is now fake-large.');
    await chat.send('and now?', 'perm-4');
    await chat.nextReply(15_000);
    expect(f.model.requests.at(-1)!.model).toBe('fake-large');
    await chat.send('/model@writer default', 'perm-5');
    await chat.nextReply(15_000);
    await chat.close();
  });
});

describe('agents change as data', () => {
  it('new instructions take effect on the next turn; the session records the version it ran with', async () => {
    const chat = await f.openChat('solo');
    const group = await p.repo.createGroup('default', { channel: 'http', chatId: 'solo' });
    await p.repo.bind('default', group, { agentId: 'writer', engageMode: 'always' });
    p.changed('default', 'binding');
    await eventually('the binding is routed', async () => {
      f.model.reset();
      await chat.send(`before ${Date.now()}`);
      await chat.nextReply(15_000);
      return f.model.requests[0]?.model === 'fake-writer';
    });
    const { version } = await p.repo.updateAgent('default', 'writer', {
      config: {
        instructions: 'You write sonnets only.',
        models: [{ provider: 'openai', model: 'fake-writer' }],
        allowedModels: ['fake-large'],
      },
    });
    p.changed('default', 'agent', 'writer');
    await eventually('the new instructions are used', async () => {
      f.model.reset();
      await chat.send(`after ${Date.now()}`);
      const reply = await chat.nextReply(15_000);
      if (!systemOf(f.model.requests[0]!)?.includes('You write sonnets only.')) return false;
      const [recorded] = await p.dataSource.query(
        `SELECT data FROM eventstore.events WHERE stream_id = $1 AND type = 'AgentConfigured' ORDER BY version DESC LIMIT 1`,
        [`session-${reply.sessionId}`],
      );
      expect(recorded.data).toEqual({ agentId: 'writer', version });
      return true;
    });
    await chat.close();
  });

  it('a disabled agent answers with a notice and never calls the model', async () => {
    await p.repo.updateAgent('default', 'critic', { enabled: false });
    p.changed('default', 'agent', 'critic');
    const chat = await f.openChat('duo', { user: 'olga' });
    await eventually('the critic is disabled', async () => {
      await chat.send(`@critic ${Date.now()}`);
      const replies = [await chat.nextReply(15_000), await chat.nextReply(15_000)];
      return replies.some((r) => r.kind === 'notice' && r.text === 'The agent critic is disabled.');
    });
    f.model.reset();
    await chat.send('@critic once more');
    await chat.nextReply(15_000);
    await chat.nextReply(15_000);
    expect(f.model.requests.map((r) => r.model)).toEqual(['fake-writer']);
    await chat.close();
  });
});

describe('tenants are isolated', () => {
  it('a message of another tenant for the same chat never uses this tenant’s bindings or agents', async () => {
    await p.repo.ensureTenant('globex');
    p.changed('globex', 'tenant');
    // What the gateway publishes for olga's chat "duo", had another tenant's key posted it.
    const chat = f.chatRef('duo', 'olga');
    const event = makeEnvelope(InboundReceived, {
      tenantId: 'globex',
      data: {
        chat,
        messageId: 'globex-1',
        sender: { id: 'olga' },
        text: '@critic @writer hello',
        receivedAt: new Date().toISOString(),
      },
    });
    const before = f.model.requests.length;
    await f.bus.publishRaw(
      f.bus.topology.subjects.inboundReceived('http', partitionOf(chatKey(chat), INBOUND_PARTITIONS)),
      JSON.stringify(event),
      event.id,
    );
    await eventually(
      'globex’s message is settled',
      async () => (await outcomeOf('globex', chat, 'globex-1')) !== undefined,
    );
    expect(await outcomeOf('globex', chat, 'globex-1')).toMatchObject({
      outcome: 'refused',
      decisions: [{ kind: 'refuse', rule: 'no-binding' }],
    });
    const unknown = makeEnvelope(InboundReceived, {
      tenantId: 'initech',
      data: { ...event.data, messageId: 'initech-1' },
    });
    await f.bus.publishRaw(
      f.bus.topology.subjects.inboundReceived('http', partitionOf(chatKey(chat), INBOUND_PARTITIONS)),
      JSON.stringify(unknown),
      unknown.id,
    );
    await eventually(
      'initech’s message is settled',
      async () => (await outcomeOf('initech', chat, 'initech-1')) !== undefined,
    );
    expect(await outcomeOf('initech', chat, 'initech-1')).toMatchObject({
      outcome: 'refused',
      decisions: [{ rule: 'tenant' }],
    });
    expect(f.model.requests.length).toBe(before);
    const turns = await p.dataSource.query(
      `SELECT count(*)::int AS n FROM router.chat_sessions WHERE tenant_id IN ('globex', 'initech')`,
    );
    expect(turns[0].n).toBe(0);
  });
});
