import { InboundReceived } from '@clawfleet/contracts';
import type { MintedKey } from '@clawfleet/testing';
import { readSessionStreams } from './support/event-store-probe';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

/*
 * The HTTP channel's authorization matrix through the six processes: both routes × every kind of
 * key → the status, the challenge, and nothing published for a refusal. Then what a valid key of
 * someone else still cannot do: post as another user, read another user's chat (Last-Event-ID: 0
 * included), reach another tenant; and a revoked key's open stream ends.
 */
let f: PlatformFixture;
const keys: Record<string, string | null> = {};
let ann: MintedKey;

const REALM = 'Bearer realm="clawfleet"';
const INVALID = `${REALM}, error="invalid_token"`;
const SCOPE = `${REALM}, error="insufficient_scope", scope="channel:client"`;

beforeAll(async () => {
  f = await startPlatform();
  ann = await f.keys.clientKey('ann');
  const revoked = await f.keys.clientKey('ann');
  await f.keys.revoke(revoked);
  const wrongSecret = `${ann.key.slice(0, -4)}${ann.key.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  Object.assign(keys, {
    'no key': null,
    'a malformed key': 'Bearer not-a-clawfleet-key',
    'another scheme': `Basic ${Buffer.from(`ann:${ann.key}`).toString('base64')}`,
    'the wrong secret': `Bearer ${wrongSecret}`,
    'an expired key': `Bearer ${(await f.keys.clientKey('ann', 'default', { expiresAt: new Date(Date.now() - 1_000) })).key}`,
    'a revoked key': `Bearer ${revoked.key}`,
    'a read-only key': `Bearer ${(await f.keys.key('tenant:read', 'default')).key}`,
    "the tenant's admin key": `Bearer ${(await f.keys.key('tenant:admin', 'default')).key}`,
    "another tenant's admin key": `Bearer ${(await f.keys.key('tenant:admin', 'globex')).key}`,
    'a platform admin key': `Bearer ${(await f.keys.key('platform:admin', null)).key}`,
    "another tenant's client key": `Bearer ${(await f.keys.clientKey('ann', 'globex')).key}`,
    'the right key': `Bearer ${ann.key}`,
  });
});
afterAll(async () => {
  expect(f.platform.unexpectedExits()).toEqual([]);
  await f?.stop();
});

type Route = 'post' | 'events';
/** [what, status, WWW-Authenticate] for both routes: the channel treats its two routes alike. */
const MATRIX: Array<[string, number | 'ok', string | null]> = [
  ['no key', 401, REALM],
  ['a malformed key', 401, INVALID],
  ['another scheme', 401, INVALID],
  ['the wrong secret', 401, INVALID],
  ['an expired key', 401, INVALID],
  ['a revoked key', 401, INVALID],
  ['a read-only key', 403, SCOPE],
  // Operators use the admin API; to chat, a key of their own user.
  ["the tenant's admin key", 403, SCOPE],
  ["another tenant's admin key", 403, SCOPE],
  ['a platform admin key', 403, SCOPE],
  // Valid for its own tenant: it posts there, to its user's own chat (see the BOLA case below).
  ["another tenant's client key", 'ok', null],
  ['the right key', 'ok', null],
];
const ROUTES: Record<Route, { ok: number }> = { post: { ok: 202 }, events: { ok: 200 } };

async function call(route: Route, chatId: string, authorization: string | null) {
  const abort = new AbortController();
  const res = await fetch(`${f.gateway}/v1/chats/${chatId}/${route === 'post' ? 'messages' : 'events'}`, {
    method: route === 'post' ? 'POST' : 'GET',
    headers: {
      ...(route === 'post' ? { 'content-type': 'application/json' } : { accept: 'text/event-stream', 'last-event-id': '0' }),
      ...(authorization && { authorization }),
    },
    ...(route === 'post' && { body: JSON.stringify({ text: 'knock knock' }) }),
    signal: abort.signal,
  });
  const body = res.status < 300 && route === 'events' ? '' : await res.text();
  abort.abort();
  return { status: res.status, type: res.headers.get('content-type') ?? '', challenge: res.headers.get('www-authenticate'), body };
}

const inboundCount = async () => (await f.bus.messages('INBOUND')).length;

describe('the authorization matrix of the HTTP channel', () => {
  it('covers both routes of the channel', () => {
    expect(Object.keys(ROUTES).sort()).toEqual(['events', 'post']);
  });

  describe.each(Object.keys(ROUTES) as Route[])('%s', (route) => {
    it.each(MATRIX)('with %s → %s', async (what, status, challenge) => {
      const before = await inboundCount();
      const res = await call(route, 'matrix', keys[what]!);
      const refused = status !== 'ok';
      expect({
        status: res.status,
        challenge: res.challenge,
        problem: refused ? { type: res.type.split(';')[0], status: JSON.parse(res.body).status } : null,
        published: (await inboundCount()) - before,
      }).toEqual({
        status: refused ? status : ROUTES[route].ok,
        challenge,
        problem: refused ? { type: 'application/problem+json', status } : null,
        // A refused post publishes nothing; an accepted one its message.
        published: !refused && route === 'post' ? 1 : 0,
      });
    });
  });
});

describe('a valid key of someone else', () => {
  it('cannot post as another user: the sender is the key’s user, and a sender in the body is refused', async () => {
    const res = await fetch(`${f.gateway}/v1/chats/who/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ann.key}` },
      body: JSON.stringify({ text: 'I am bob', sender: { id: 'bob' } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'sender' }] });

    const chat = await f.openChat('who', { user: 'ann' });
    const sent = await chat.send('I am ann');
    await chat.nextReply(15_000);
    await chat.close();
    const stored = (await f.bus.messages('INBOUND'))
      .map((m) => InboundReceived.envelope.parse(m.json()))
      .filter((e) => e.data.chat.chatId === f.chatRef('who', 'ann').chatId);
    expect(stored.map((e) => [e.tenantId, e.data.sender, e.data.messageId])).toEqual([
      ['default', { id: 'ann' }, sent.messageId],
    ]);
    // The session recorded the key's user as the sender.
    const session = [...(await readSessionStreams(f.db.url)).values()].find(
      (events) => events[0]?.type === 'SessionStarted' && events[0].data.chat.chatId === f.chatRef('who', 'ann').chatId,
    )!;
    expect(session.filter((e) => e.type === 'UserMessageAdded').map((e) => e.data.sender)).toEqual([{ id: 'ann' }]);
  });

  it('cannot read another user’s chat, even replaying it from Last-Event-ID 0', async () => {
    const annChat = await f.openChat('diary', { user: 'ann' });
    await annChat.send('my secret');
    expect((await annChat.nextReply(15_000)).text).toBe('echo: my secret');
    await annChat.close();

    // Bob asks for "diary" from the start: it is his own diary, empty until he writes in it.
    const bobChat = await f.openChat('diary', { user: 'bob', lastEventId: '0' });
    await bobChat.send('mine');
    await bobChat.nextReply(15_000);
    expect(bobChat.replies.map((r) => r.text)).toEqual(['echo: mine']);
    await bobChat.close();

    // Ann, replaying hers from 0, gets her own reply, not Bob's.
    const again = await f.openChat('diary', { user: 'ann', lastEventId: '0' });
    expect((await again.nextReply(15_000)).text).toBe('echo: my secret');
    await again.close();
    expect(again.replies.map((r) => r.text)).toEqual(['echo: my secret']);
  });

  it('of another tenant (BOLA): its post lands in its own tenant, and its stream shows nothing of ours', async () => {
    const ours = await f.openChat('shared-name', { user: 'ann' });
    await ours.send('ours');
    await ours.nextReply(15_000);

    const theirs = await f.openChat('shared-name', { user: 'ann', tenantId: 'globex', lastEventId: '0' });
    const { messageId } = await theirs.send('from globex');
    // globex is not provisioned: the router refuses its message, in globex, and our chat sees nothing.
    await eventually('globex’s message is routed', async () => {
      const stored = (await f.bus.messages('INBOUND')).map((m) => InboundReceived.envelope.parse(m.json()));
      return stored.some((e) => e.tenantId === 'globex' && e.data.messageId === messageId);
    });
    await ours.send('still ours');
    await ours.nextReply(15_000);
    expect(ours.replies.map((r) => r.text)).toEqual(['echo: ours', 'echo: still ours']);
    expect(theirs.replies).toEqual([]);
    await Promise.all([ours.close(), theirs.close()]);
  });
});

describe('a revoked key', () => {
  it('ends the stream it had open, and posts no more', async () => {
    const key = await f.keys.clientKey('leaver');
    const abort = new AbortController();
    const res = await fetch(`${f.gateway}/v1/chats/bye/events`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${key.key}` },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    let seen = '';
    const ended = (async () => {
      for await (const chunk of res.body!) seen += new TextDecoder().decode(chunk as Uint8Array);
    })();
    await f.keys.revoke(key);
    await Promise.race([
      ended,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the stream is still open 10 s later')), 10_000)),
    ]);
    expect(seen).toContain('event: unauthorized');
    const post = await call('post', 'bye', `Bearer ${key.key}`);
    expect(post.status).toBe(401);
  });
});
