import { ownedChatId } from '@clawfleet/auth';
import {
  ENGAGE_MODES,
  IGNORED_POLICIES,
  SENDER_SCOPES,
  SESSION_SCOPES,
  UNKNOWN_SENDER_POLICIES,
  type EngageMode,
} from '@clawfleet/provisioning';
import { PAIR_REFUSAL } from './permissions';
import { route, type Decision } from './route';
import { agent, binding, data, inbound, noSessions, pairingIndex, stickyIndex, T0 } from './route.test-support';
import { messageKeyOf, sessionKeyOf } from './session-keys';

const options = { stickyMs: 600_000 };
const t0 = Date.parse(T0);
/** A text that engages a binding of each mode (the pattern is /urgent/). */
const ENGAGING: Record<EngageMode, string> = {
  always: 'hello',
  pattern: 'this is URGENT',
  mention: 'hi @bot',
  'mention-sticky': 'hi @bot',
};
const known = [['alice', 'user-alice']] as Array<[string, string]>;

describe('route: every engage mode × sender scope × ignored policy × session scope', () => {
  const combos = ENGAGE_MODES.flatMap((engageMode) =>
    SENDER_SCOPES.flatMap((senderScope) =>
      IGNORED_POLICIES.flatMap((ignoredPolicy) =>
        SESSION_SCOPES.map((sessionScope) => ({ engageMode, senderScope, ignoredPolicy, sessionScope })),
      ),
    ),
  );

  describe.each(combos)('$engageMode / $senderScope / $ignoredPolicy / $sessionScope', (combo) => {
    const b = binding('bot', { ...combo, pattern: combo.engageMode === 'pattern' ? 'urgent' : null });
    const routing = (identities: Array<[string, string]>) =>
      data({ agents: [agent('bot')], groups: [{ chatId: '-100', bindings: [b] }], identities });
    const keyFor = (userId?: string) =>
      sessionKeyOf(combo.sessionScope, inbound('x').chat, { userId, senderId: 'alice' });

    it('engages on a message its mode answers, from a known sender, in the scope’s session', () => {
      const { outcome, decisions } = route(inbound(ENGAGING[combo.engageMode]), routing(known), noSessions, options);
      expect(outcome).toBe('engaged');
      expect(decisions).toEqual([
        expect.objectContaining({
          kind: 'engage',
          agentId: 'bot',
          agentVersion: 1,
          sessionKey: keyFor('user-alice'),
          ...(combo.engageMode === 'mention-sticky' && { stickyUntil: t0 + options.stickyMs }),
          ...(combo.ignoredPolicy === 'accumulate' && { withContext: true }),
        }),
      ]);
    });

    it(`from an unknown sender: ${combo.senderScope === 'known' ? 'ignored (sender-scope)' : 'engaged too'}`, () => {
      const result = route(inbound(ENGAGING[combo.engageMode]), routing([]), noSessions, options);
      const engaged = expect.objectContaining({ kind: 'engage', sessionKey: keyFor(undefined) });
      const expected =
        combo.senderScope === 'known'
          ? { outcome: 'ignored', decisions: [{ kind: 'ignore', agentId: 'bot', rule: 'sender-scope' }] }
          : { outcome: 'engaged', decisions: [engaged] };
      expect(result).toEqual(expected);
    });

    if (combo.engageMode !== 'always') {
      it(`ignores a message its mode does not answer, and ${combo.ignoredPolicy === 'accumulate' ? 'keeps it as context' : 'drops it'}`, () => {
        const { outcome, decisions } = route(inbound('just chatting'), routing(known), noSessions, options);
        expect(outcome).toBe('ignored');
        const rule = `engage-mode:${combo.engageMode}`;
        expect(decisions).toEqual([
          combo.ignoredPolicy === 'accumulate'
            ? { kind: 'ignore', agentId: 'bot', rule, accumulate: { sessionKey: keyFor('user-alice') } }
            : { kind: 'ignore', agentId: 'bot', rule },
        ]);
      });
    }
  });
});

describe('session scopes', () => {
  const chat = { channel: 'slack' as const, chatId: 'C1', threadId: '1712345678.123456' };
  it('shared ignores the thread, per-thread keeps it, per-user adds the user', () => {
    expect(sessionKeyOf('shared', chat, { senderId: 'U1' })).toBe('slack:C1');
    expect(sessionKeyOf('per-thread', chat, { senderId: 'U1' })).toBe('slack:C1:1712345678.123456');
    expect(sessionKeyOf('per-user', chat, { senderId: 'U1' })).toBe('slack:C1/s%3AU1');
    expect(sessionKeyOf('per-user', chat, { userId: 'u-9', senderId: 'U1' })).toBe('slack:C1/u%3Au-9');
  });
});

describe('mention-sticky', () => {
  const routing = data({
    agents: [agent('bot')],
    groups: [{ chatId: '-100', bindings: [binding('bot', { engageMode: 'mention-sticky' })] }],
  });
  const key = 'telegram:-100';

  it('goes on answering without a mention until the stickiness expires, each answer extending it', () => {
    const during = route(inbound('and another thing'), routing, stickyIndex({ [`bot|${key}`]: t0 + 1 }), options);
    expect(during.decisions).toEqual([expect.objectContaining({ kind: 'engage', stickyUntil: t0 + options.stickyMs })]);
  });

  it('stops at expiry: an unmentioned message is ignored again', () => {
    const after = route(inbound('and another thing'), routing, stickyIndex({ [`bot|${key}`]: t0 }), options);
    expect(after).toEqual({
      outcome: 'ignored',
      decisions: [{ kind: 'ignore', agentId: 'bot', rule: 'engage-mode:mention-sticky' }],
    });
  });

  it('a mention of another agent does not count, nor an e-mail address', () => {
    expect(route(inbound('hi @botany'), routing, noSessions, options).outcome).toBe('ignored');
    expect(route(inbound('mail me at x@bot'), routing, noSessions, options).outcome).toBe('ignored');
    expect(route(inbound('hey', { mentions: ['@Bot'] }), routing, noSessions, options).outcome).toBe('engaged');
  });
});

describe('fan-out', () => {
  const routing = data({
    agents: [agent('writer'), agent('critic')],
    groups: [{ chatId: '-100', bindings: [binding('writer'), binding('critic', { engageMode: 'mention' })] }],
  });

  it('engages every agent the message addresses, each in its own session and turn', () => {
    const { decisions } = route(inbound('draft this, @critic please review'), routing, noSessions, options);
    const engaged = decisions.filter((d): d is Extract<Decision, { kind: 'engage' }> => d.kind === 'engage');
    expect(engaged.map((d) => d.agentId)).toEqual(['writer', 'critic']);
    expect(new Set(engaged.map((d) => d.turnId)).size).toBe(2);
  });

  it('engages only the always-agent when the other is not mentioned', () => {
    const { outcome, decisions } = route(inbound('draft this'), routing, noSessions, options);
    expect(outcome).toBe('engaged');
    expect(decisions.map((d) => d.kind)).toEqual(['engage', 'ignore']);
  });
});

describe('commands', () => {
  const routing = data({
    agents: [agent('bot', { allowedModels: ['gpt-4.1'] }), agent('other')],
    groups: [
      {
        chatId: '-100',
        bindings: [binding('bot', { engageMode: 'mention' }), binding('other', { engageMode: 'mention' })],
      },
    ],
    identities: [
      ['alice', 'u-alice'],
      ['bob', 'u-bob'],
      ['carol', 'u-carol'],
    ],
    roles: [
      { userId: 'u-alice', role: 'owner', agentId: null },
      { userId: 'u-bob', role: 'member', agentId: null },
      { userId: 'u-carol', role: 'admin', agentId: 'other' },
    ],
  });
  const from = (id: string) => ({ sender: { id } });

  it('/model <name> by a member is refused with a notice in the session', () => {
    const { outcome, decisions } = route(inbound('/model@bot gpt-4.1', from('bob')), routing, noSessions, options);
    expect(outcome).toBe('refused');
    expect(decisions[0]).toMatchObject({
      kind: 'refuse',
      rule: 'model-permission',
      reason: 'Only an owner or admin of this agent may change its model.',
      notice: { sessionKey: 'telegram:-100' },
    });
  });

  it('/model <name> by an owner engages with the command, for an allowed model only', () => {
    expect(
      route(inbound('/model@bot gpt-4.1', from('alice')), routing, noSessions, options).decisions[0],
    ).toMatchObject({ kind: 'engage', command: { name: 'model', args: 'gpt-4.1' } });
    expect(route(inbound('/model@bot o3-pro', from('alice')), routing, noSessions, options).decisions[0]).toMatchObject(
      {
        kind: 'refuse',
        reason: 'The model o3-pro is not allowed for this agent. Allowed: gpt-4.1.',
      },
    );
  });

  it('an admin of one agent is not an admin of another; /model without a name is for anyone', () => {
    expect(route(inbound('/model@bot gpt-4.1', from('carol')), routing, noSessions, options).outcome).toBe('refused');
    expect(
      route(inbound('/model@other default', from('carol')), routing, noSessions, options).decisions[1],
    ).toMatchObject({ kind: 'engage' });
    expect(route(inbound('/model@bot', from('bob')), routing, noSessions, options).decisions[0]).toMatchObject({
      kind: 'engage',
      command: { name: 'model', args: '' },
    });
  });

  it('an addressed command goes to its agent only; an unaddressed one to every agent of the group', () => {
    expect(route(inbound('/new@other'), routing, noSessions, options).decisions.map((d) => d.kind)).toEqual([
      'ignore',
      'engage',
    ]);
    expect(route(inbound('/new'), routing, noSessions, options).decisions.map((d) => d.kind)).toEqual([
      'engage',
      'engage',
    ]);
  });
});

describe('refusals and fallbacks', () => {
  it('refuses a tenant that is not provisioned', () => {
    expect(route(inbound('hi'), undefined, noSessions, options)).toMatchObject({
      outcome: 'refused',
      decisions: [{ rule: 'tenant' }],
    });
  });

  it('a chat without a binding goes to the default agent, in the session it had before bindings existed', () => {
    const { decisions } = route(
      inbound('hi'),
      data({ defaultAgentId: 'default', agents: [agent('default', { currentVersion: 3 })] }),
      noSessions,
      options,
    );
    expect(decisions).toEqual([
      expect.objectContaining({ kind: 'engage', agentId: 'default', agentVersion: 3, sessionKey: 'telegram:-100:7' }),
    ]);
  });

  it('a chat without a binding in a tenant without a default agent is refused', () => {
    expect(route(inbound('hi'), data({ agents: [agent('bot')] }), noSessions, options)).toMatchObject({
      outcome: 'refused',
      decisions: [{ rule: 'no-binding' }],
    });
  });

  it('a binding or default naming an agent that does not exist is refused with a notice (not to strangers)', () => {
    expect(route(inbound('hi'), data({ defaultAgentId: 'ghost' }), noSessions, options).decisions[0]).toMatchObject({
      kind: 'refuse',
      rule: 'agent',
      reason: 'The agent ghost does not exist.',
      notice: { sessionKey: 'telegram:-100:7', turnId: expect.any(String) },
    });
    const closed = data({ groups: [{ chatId: '-100', bindings: [binding('ghost', { senderScope: 'known' })] }] });
    expect(route(inbound('hi'), closed, noSessions, options).decisions[0]).not.toHaveProperty('notice');
  });

  it('a group whose bindings were all deleted is refused with a notice, never handed to the default agent', () => {
    const emptied = data({
      defaultAgentId: 'default',
      agents: [agent('default', { currentVersion: 2 })],
      groups: [{ chatId: '-100', bindings: [] }],
    });
    expect(route(inbound('hi'), emptied, noSessions, options)).toEqual({
      outcome: 'refused',
      decisions: [
        {
          kind: 'refuse',
          agentId: 'default',
          rule: 'no-binding',
          reason: 'No agent is bound to this chat.',
          notice: { sessionKey: 'telegram:-100:7', turnId: expect.any(String), agentVersion: 2 },
        },
      ],
    });
    // Without a default agent there is no session to tell it in.
    expect(route(inbound('hi'), { ...emptied, defaultAgentId: null }, noSessions, options).decisions).toEqual([
      { kind: 'refuse', rule: 'no-binding', reason: 'No agent is bound to this chat.' },
    ]);
    // A thread's emptied group leaves the thread to the chat's group.
    const threaded = data({
      agents: [agent('bot')],
      groups: [
        { chatId: '-100', threadId: '7', bindings: [] },
        { chatId: '-100', bindings: [binding('bot')] },
      ],
    });
    expect(route(inbound('hi'), threaded, noSessions, options).decisions[0]).toMatchObject({
      kind: 'engage',
      agentId: 'bot',
    });
  });

  it('the environment’s agent before it is seeded (version 0) engages without a version', () => {
    const { decisions } = route(
      inbound('hi'),
      data({ defaultAgentId: 'default', agents: [agent('default', { currentVersion: 0 })] }),
      noSessions,
      options,
    );
    expect(decisions[0]).toMatchObject({ kind: 'engage', agentId: 'default' });
    expect(decisions[0]).not.toHaveProperty('agentVersion');
  });

  it('a disabled agent answers with a notice, never a turn', () => {
    const routing = data({
      agents: [agent('bot', { enabled: false })],
      groups: [{ chatId: '-100', bindings: [binding('bot')] }],
    });
    expect(route(inbound('hi'), routing, noSessions, options).decisions[0]).toMatchObject({
      kind: 'refuse',
      rule: 'agent-disabled',
      notice: { sessionKey: 'telegram:-100' },
    });
  });

  it('a thread without its own group uses the chat’s group', () => {
    const routing = data({
      agents: [agent('bot')],
      groups: [{ chatId: '-100', bindings: [binding('bot', { sessionScope: 'per-thread' })] }],
    });
    expect(route(inbound('hi'), routing, noSessions, options).decisions[0]).toMatchObject({
      kind: 'engage',
      sessionKey: 'telegram:-100:7',
    });
  });

  it('a stored pattern RE2 cannot compile never engages (and never throws)', () => {
    const routing = data({
      agents: [agent('bot')],
      groups: [{ chatId: '-100', bindings: [binding('bot', { engageMode: 'pattern', pattern: '(a)\\1' })] }],
    });
    expect(route(inbound('aa'), routing, noSessions, options).outcome).toBe('ignored');
  });

  it('a catastrophic pattern runs in linear time', () => {
    const routing = data({
      agents: [agent('bot')],
      groups: [{ chatId: '-100', bindings: [binding('bot', { engageMode: 'pattern', pattern: '^(a+)+$' })] }],
    });
    const started = performance.now();
    expect(route(inbound(`${'a'.repeat(30_000)}!`), routing, noSessions, options).outcome).toBe('ignored');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('HTTP chats, each its user’s own', () => {
  // What the gateway publishes: the chat a user calls "support", the user of the key as the sender.
  const http = (userId: string, text = 'hi') =>
    inbound(text, { chat: { channel: 'http', chatId: ownedChatId(userId, 'support') }, sender: { id: userId } });
  const routing = data({
    channel: 'http',
    agents: [agent('helper', { allowedModels: ['big'] })],
    groups: [{ chatId: 'support', bindings: [binding('helper', { senderScope: 'known' })] }],
    identities: [
      ['8f0c6b9e-0000-7000-8000-000000000001', '8f0c6b9e-0000-7000-8000-000000000001'],
      ['olga', 'user-olga'],
    ],
    roles: [{ userId: 'user-olga', role: 'owner', agentId: null }],
  });

  it('a group provisioned for the name binds every user’s chat of that name, each in a session of its own', () => {
    const a = route(http('8f0c6b9e-0000-7000-8000-000000000001'), routing, noSessions, options).decisions[0];
    const b = route(http('olga'), routing, noSessions, options).decisions[0];
    expect(a).toMatchObject({ kind: 'engage', agentId: 'helper' });
    expect(b).toMatchObject({ kind: 'engage', agentId: 'helper' });
    expect((a as { sessionKey: string }).sessionKey).not.toBe((b as { sessionKey: string }).sessionKey);
  });

  it('the key’s user is the sender the router knows: unknown users are ignored by a known-only binding', () => {
    expect(route(http('stranger'), routing, noSessions, options)).toMatchObject({
      outcome: 'ignored',
      decisions: [{ rule: 'sender-scope' }],
    });
  });

  it('the key’s user has their roles: an owner may pin a model, a known member may not', () => {
    expect(route(http('olga', '/model big'), routing, noSessions, options).decisions[0]).toMatchObject({
      kind: 'engage',
      command: { name: 'model', args: 'big' },
    });
    expect(
      route(http('8f0c6b9e-0000-7000-8000-000000000001', '/model big'), routing, noSessions, options).decisions[0],
    ).toMatchObject({ kind: 'refuse', rule: 'model-permission' });
  });

  it('a name that is not owned (another channel, or no owner tag) is matched as it is', () => {
    const plain = inbound('hi', { chat: { channel: 'http', chatId: 'support' }, sender: { id: 'olga' } });
    expect(route(plain, routing, noSessions, options).outcome).toBe('engaged');
    const telegram = inbound('hi', { chat: { channel: 'telegram', chatId: ownedChatId('olga', 'support') } });
    expect(route(telegram, routing, noSessions, options).outcome).toBe('refused'); // no group, no default agent
  });
});

describe('isolation', () => {
  it('never uses another tenant’s binding: routing data is per tenant, and a missing tenant is refused', () => {
    const acme = data({
      tenantId: 'acme',
      agents: [agent('bot')],
      groups: [{ chatId: '-100', bindings: [binding('bot')] }],
    });
    // Globex's message in the same chat id: routed with globex's data (none provisioned) → refused.
    expect(route(inbound('hi', { tenantId: 'globex' }), undefined, noSessions, options).outcome).toBe('refused');
    const turnA = route(inbound('hi'), acme, noSessions, options).decisions[0] as Extract<Decision, { kind: 'engage' }>;
    const turnB = route(inbound('hi', { tenantId: 'globex' }), { ...acme, tenantId: 'globex' }, noSessions, options)
      .decisions[0] as Extract<Decision, { kind: 'engage' }>;
    expect(turnA.turnId).not.toBe(turnB.turnId);
  });
});

describe('idempotency', () => {
  const routing = data({ agents: [agent('bot')], groups: [{ chatId: '-100', bindings: [binding('bot')] }] });
  it('the same message decides the same turn again; once its outcome is recorded, it decides nothing', () => {
    const first = route(inbound('hi'), routing, noSessions, options);
    expect(route(inbound('hi'), routing, noSessions, options)).toEqual(first);
    expect(route(inbound('hi'), routing, noSessions, options, 'engaged')).toEqual({
      outcome: 'engaged',
      decisions: [],
    });
  });
});

describe('unknown senders: every sender scope × unknown-sender policy × engage mode × session scope', () => {
  const combos = SENDER_SCOPES.flatMap((senderScope) =>
    UNKNOWN_SENDER_POLICIES.flatMap((unknownSenders) =>
      ENGAGE_MODES.flatMap((engageMode) =>
        SESSION_SCOPES.map((sessionScope) => ({ senderScope, unknownSenders, engageMode, sessionScope })),
      ),
    ),
  );
  describe.each(combos)('$senderScope / $unknownSenders / $engageMode / $sessionScope', (combo) => {
    const b = binding('bot', { ...combo, pattern: combo.engageMode === 'pattern' ? 'urgent' : null });
    const routing = data({ agents: [agent('bot')], groups: [{ chatId: '-100', bindings: [b] }], identities: known });
    const stranger = { sender: { id: 'mallory' } };
    const key = sessionKeyOf(combo.sessionScope, inbound('x').chat, { senderId: 'mallory' });

    it('a stranger addressing the agent: served (scope all), ignored, or offered a code — never served under known', () => {
      const result = route(
        inbound(ENGAGING[combo.engageMode], stranger),
        routing,
        pairingIndex({ pendingCount: 0 }),
        options,
      );
      const expected = {
        served: expect.objectContaining({
          outcome: 'engaged',
          decisions: [expect.objectContaining({ kind: 'engage', sessionKey: key })],
        }),
        ignored: { outcome: 'ignored', decisions: [{ kind: 'ignore', agentId: 'bot', rule: 'sender-scope' }] },
        offered: {
          outcome: 'refused',
          decisions: [
            {
              kind: 'offer-pairing',
              agentId: 'bot',
              notice: { sessionKey: key, turnId: expect.any(String), agentVersion: 1 },
            },
          ],
        },
      }[combo.senderScope === 'all' ? 'served' : combo.unknownSenders === 'ignore' ? 'ignored' : 'offered'];
      expect(result).toEqual(expected);
    });

    if (combo.engageMode !== 'always') {
      it('a stranger not addressing it is not offered anything', () => {
        const result = route(inbound('just chatting', stranger), routing, pairingIndex({ pendingCount: 0 }), options);
        expect(result.decisions.map((d) => d.kind)).toEqual(['ignore']);
      });
    }

    it('a known sender is served whatever the policy', () => {
      const result = route(inbound(ENGAGING[combo.engageMode]), routing, pairingIndex({ pendingCount: 0 }), options);
      expect(result.outcome).toBe('engaged');
    });
  });
});

describe('pairing offers', () => {
  const routing = data({
    agents: [agent('bot'), agent('helper')],
    groups: [
      {
        chatId: '-100',
        bindings: [
          binding('bot', { senderScope: 'known', unknownSenders: 'pair', sessionScope: 'per-user' }),
          binding('helper', { senderScope: 'known', unknownSenders: 'pair' }),
        ],
      },
    ],
  });
  const msg = inbound('hello', { sender: { id: 'mallory' } });
  const minute = 60_000;
  const offer = (offeredAgo: number, extra: { expiresIn?: number; messageKey?: string } = {}) => ({
    offeredAt: t0 - offeredAgo,
    expiresAt: t0 + (extra.expiresIn ?? 50 * minute),
    messageKey: extra.messageKey ?? 'telegram:-100:7#earlier',
  });
  const pairingOptions = { ...options, pairing: { intervalMs: 10 * minute, maxPending: 3 } };
  const kinds = (view: Parameters<typeof pairingIndex>[0], m = msg) =>
    route(m, routing, pairingIndex(view), pairingOptions).decisions.map((d) => (d.kind === 'ignore' ? d.rule : d.kind));

  it('one code per message, however many pair bindings the group has', () => {
    expect(kinds({ pendingCount: 0 })).toEqual(['offer-pairing', 'pairing-once']);
  });
  it('rate-limited per sender: nothing while an offer is fresh, a new code after the interval or expiry', () => {
    expect(kinds({ offer: offer(2 * minute), pendingCount: 1 })).toEqual(['pairing-pending', 'pairing-once']);
    expect(kinds({ offer: offer(11 * minute), pendingCount: 1 })).toEqual(['offer-pairing', 'pairing-once']);
    expect(kinds({ offer: offer(2 * minute, { expiresIn: 0 }), pendingCount: 0 })).toEqual([
      'offer-pairing',
      'pairing-once',
    ]);
  });
  it('a redelivery of the message that asked gets its offer again', () => {
    const own = offer(0, { messageKey: messageKeyOf(msg.chat, msg.messageId) });
    expect(kinds({ offer: own, pendingCount: 3 })).toEqual(['offer-pairing', 'pairing-once']);
  });
  it('a tenant with as many pending codes as it allows ignores new strangers (a renewal still goes)', () => {
    expect(kinds({ pendingCount: 3 })).toEqual(['pairing-full', 'pairing-once']);
    expect(kinds({ offer: offer(11 * minute), pendingCount: 3 })).toEqual(['offer-pairing', 'pairing-once']);
  });
  it('a stranger’s /pair is no approval: they are offered a code like any message', () => {
    expect(kinds({ pendingCount: 0 }, inbound('/pair K7QX-M2PD', { sender: { id: 'mallory' } }))).toEqual([
      'offer-pairing',
      'pairing-once',
    ]);
  });
});

describe('command gating: /pair and /usage', () => {
  const routing = data({
    agents: [agent('bot'), agent('other')],
    groups: [{ chatId: '-100', bindings: [binding('bot'), binding('other')] }],
    identities: [
      ['olga', 'u-olga'],
      ['ada', 'u-ada'],
      ['agnes', 'u-agnes'],
      ['max', 'u-max'],
    ],
    roles: [
      { userId: 'u-olga', role: 'owner', agentId: null },
      { userId: 'u-ada', role: 'admin', agentId: null },
      { userId: 'u-agnes', role: 'owner', agentId: 'bot' },
      { userId: 'u-max', role: 'member', agentId: null },
    ],
  });
  const by = (id: string, text: string) => route(inbound(text, { sender: { id } }), routing, noSessions, options);

  it('/pair <code> by a tenant owner approves it once (normalized), whichever agents the command reaches', () => {
    expect(by('olga', '/pair k7qx m2pd')).toMatchObject({
      outcome: 'engaged',
      decisions: [
        {
          kind: 'approve-pairing',
          agentId: 'bot',
          code: 'K7QXM2PD',
          approverId: 'u-olga',
          notice: { sessionKey: 'telegram:-100' },
        },
        { kind: 'ignore', agentId: 'other', rule: 'pairing-once' },
      ],
    });
    expect(by('olga', '/approve@other K7QX-M2PD').decisions).toMatchObject([
      { kind: 'ignore', rule: 'command-target' },
      { kind: 'approve-pairing', agentId: 'other' },
    ]);
  });
  it.each([
    ['an admin', 'ada'],
    ['an owner of one agent only', 'agnes'],
    ['a member', 'max'],
    ['an unknown sender', 'mallory'],
  ])('/pair by %s is refused with the reason', (_, who) => {
    expect(by(who, '/pair K7QX-M2PD')).toMatchObject({
      outcome: 'refused',
      decisions: [
        { kind: 'refuse', rule: 'pairing-permission', reason: PAIR_REFUSAL.permission },
        { rule: 'pairing-once' },
      ],
    });
  });
  it('/pair without a code, or with something that is no code, is answered with the usage', () => {
    for (const text of ['/pair', '/pair 12', '/pair K7QX-M2P0', '/pair DROP TABLE x'])
      expect(by('olga', text).decisions[0]).toMatchObject({
        kind: 'refuse',
        rule: 'pairing-code',
        reason: PAIR_REFUSAL.usage,
      });
  });
  it('/usage is for owners and admins of the agent', () => {
    expect(by('olga', '/usage').decisions.map((d) => d.kind)).toEqual(['engage', 'engage']);
    expect(by('ada', '/usage@bot').decisions[0]).toMatchObject({
      kind: 'engage',
      command: { name: 'usage', args: '' },
    });
    expect(by('agnes', '/usage').decisions.map((d) => d.kind)).toEqual(['engage', 'refuse']);
    expect(by('max', '/usage').decisions[0]).toMatchObject({
      kind: 'refuse',
      rule: 'usage-permission',
      reason: 'Only an owner or admin of this agent may see its usage.',
      notice: { sessionKey: 'telegram:-100' },
    });
  });
});
