import { makeEnvelope } from '@clawfleet/bus';
import { DeliveryFailed, InboundReceived, MAX_MESSAGE_CHARS, MAX_REPLY_CHARS, OutboundReady, TurnFailed } from '@clawfleet/contracts';
import { openChat } from '@clawfleet/testing';
import { Client } from 'pg';
import { readSessionStreams, type StoredEvent } from './support/event-store-probe';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

let f: PlatformFixture;

beforeAll(async () => {
  f = await startPlatform({ env: { TURN_MAX_ROUNDS: '4' } });
});
afterAll(async () => {
  expect(f.platform.unexpectedExits()).toEqual([]);
  await f?.stop();
});
afterEach(() => {
  f.model.reset();
  f.model.setReply((request) => `echo: ${request.lastUserText ?? ''}`);
});

const toolMessages = (body: { messages?: Array<{ role: string; content?: string }> }) =>
  (body.messages ?? []).filter((m) => m.role === 'tool').map((m) => m.content ?? '');

describe('a model that misbehaves', () => {
  it('gets invalid tool arguments and unknown tools back as tool errors, then answers', async () => {
    const chat = await openChat(f.gateway, 'bad-tool-args');
    f.model.script(
      { toolCalls: [{ name: 'get_time', arguments: '{"timeZone": ' }, { name: 'launch_rockets', arguments: {} }, { name: 'get_time', arguments: { timeZone: 42 } }] },
      { text: 'sorry about that' },
    );
    await chat.send('what time is it?');
    expect(await chat.nextReply(15_000)).toMatchObject({ text: 'sorry about that', kind: 'reply' });
    const errors = toolMessages(f.model.requests.at(-1)!.body);
    expect(errors).toEqual([
      'The arguments of get_time are not valid JSON.',
      expect.stringMatching(/^Unknown tool "launch_rockets"\. Available: get_time, ask_user/),
      expect.stringMatching(/^Invalid arguments for get_time: timeZone:/),
    ]);
    await chat.close();
  });

  it('that calls tools forever is stopped at the round limit with a clear reply', async () => {
    const chat = await openChat(f.gateway, 'endless-tools');
    f.model.setReply(() => ({ toolCalls: [{ name: 'get_time', arguments: {} }] }));
    await chat.send('loop please');
    const reply = await chat.nextReply(15_000);
    expect(reply).toMatchObject({ kind: 'error', text: expect.stringMatching(/all 4 model calls/) });
    expect(f.model.requests).toHaveLength(4);
    // The last call was told to finish and offered no tools.
    expect(f.model.requests.at(-1)!.body.tools).toBeUndefined();
    await chat.close();
  });

  it('that answers at enormous length is cut to one deliverable reply', async () => {
    const chat = await openChat(f.gateway, 'huge-output');
    f.model.script({ text: 'x'.repeat(MAX_REPLY_CHARS + 50_000) });
    await chat.send('write a novel');
    const reply = await chat.nextReply(20_000);
    expect(reply.text.length).toBe(MAX_REPLY_CHARS);
    expect(reply.text).toMatch(/\[The reply was cut/);
    await chat.close();
  });

  it('that fails for good (401) gives the user a short text, keeps the full error, and the session goes on', async () => {
    const chat = await openChat(f.gateway, 'model-401');
    f.model.script({ error: { status: 401, message: 'Incorrect API key provided: sk-ab***cd' } });
    await chat.send('hello?');
    const refused = await chat.nextReply(15_000);
    expect(refused).toMatchObject({ kind: 'error', text: expect.stringMatching(/could not sign in to its model provider/) });
    // The provider's words are for operators: never in the chat, always in the session's events.
    expect(refused.text).not.toMatch(/Incorrect API key|401|sk-/);
    const failed = (await sessionOf('model-401')).find((e) => e.type === 'TurnFailed')!;
    expect(failed.data).toMatchObject({ code: 'model-auth', reason: expect.stringMatching(/\(401\): .*Incorrect API key provided/), text: refused.text });
    await chat.send('and now?');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: and now?' });
    await chat.close();
  });
});

/** The events of the session of an HTTP chat. */
async function withDb<T>(url: string, use: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

async function sessionOf(chatId: string): Promise<StoredEvent[]> {
  const streams = [...(await readSessionStreams(f.db.url)).values()];
  return streams.find((events) => events[0]?.type === 'SessionStarted' && events[0].data.chat.chatId === chatId) ?? [];
}

const post = (chatId: string, body: unknown) =>
  fetch(`${f.gateway}/v1/chats/${chatId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('text a user sends that cannot be stored', () => {
  it.each([
    ['a NUL', 'nul', { text: 'hi\u0000there' }, 'text', 2, 'text: text contains a NUL character (U+0000) at position 2'],
    ['a lone high surrogate', 'high', { text: 'hi \ud800 there' }, 'text', 3, 'a lone high surrogate (U+D800) at position 3'],
    ['a lone low surrogate', 'low', { text: '\udc00 hi' }, 'text', 0, 'a lone low surrogate (U+DC00) at position 0'],
    [
      'a NUL in the sender display name',
      'name',
      { text: 'hello', sender: { id: 'u1', displayName: 'Ann\u0000' } },
      'sender.displayName',
      3,
      'sender.displayName: displayName contains a NUL character (U+0000) at position 3',
    ],
    ['an oversized text', 'big', { text: 'y'.repeat(MAX_MESSAGE_CHARS + 1) }, 'text', MAX_MESSAGE_CHARS, 'text is longer than 32000'],
  ])('with %s is refused with a 400 naming the position; nothing is stored; the chat answers next', async (_what, id, body, path, position, detail) => {
    const chatId = `poison-${id}`;
    const chat = await openChat(f.gateway, chatId);
    const res = await post(chatId, { ...body, messageId: 'bad-1' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { status: number; detail: string; errors: unknown[] };
    expect(problem).toMatchObject({ status: 400, errors: [{ path, position }] });
    expect(problem.detail).toContain(detail);
    await chat.send('now a good one', 'good-1');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: now a good one' });
    // Nothing of the refused message reached the bus or the session.
    const inbound = (await f.bus.messages('INBOUND')).flatMap((m) => {
      const event = InboundReceived.envelope.safeParse(JSON.parse(m.string()));
      return event.success && event.data.data.chat.chatId === chatId ? [event.data.data.messageId] : [];
    });
    expect(inbound).toEqual(['good-1']);
    const added = (await sessionOf(chatId)).filter((e) => e.type === 'UserMessageAdded');
    expect(added.map((e) => e.data.text)).toEqual(['now a good one']);
    await chat.close();
  });
});

describe('text the contracts accept but the database refuses', () => {
  // A UTF8 database stores every text the contracts accept; one in another encoding (LATIN1, say)
  // refuses what it has no character for, with SQLSTATE 22P05. This trigger is such a database for
  // one character (U+2603), at the real store boundary: the session's event insert.
  beforeAll(async () => {
    await withDb(f.db.url, (db) =>
      db.query(`
        CREATE FUNCTION public.refuse_snowmen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF strpos(NEW.data::text, U&'\\2603') > 0 THEN
            RAISE EXCEPTION 'character with byte sequence 0xe2 0x98 0x83 in encoding "UTF8" has no equivalent in encoding "LATIN1"'
              USING ERRCODE = 'untranslatable_character';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_snowmen BEFORE INSERT ON eventstore.events FOR EACH ROW EXECUTE FUNCTION public.refuse_snowmen();`),
    );
  });
  afterAll(() => withDb(f.db.url, (db) => db.query(`DROP FUNCTION public.refuse_snowmen() CASCADE`)));

  it('ends the message as turn.failed with a short notice, and the next message goes on at once', async () => {
    const chat = await openChat(f.gateway, 'refused-by-store');
    await chat.send('first');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: first' });
    const refused = await chat.send('a snowman \u2603');
    expect(await chat.nextReply(15_000)).toMatchObject({
      kind: 'notice',
      replyTo: refused.messageId,
      text: expect.stringMatching(/^Your message could not be stored/),
    });
    // No wait for a gap timeout: the refused message took its place in the session's order.
    await chat.send('after');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: after' });

    const events = await sessionOf('refused-by-store');
    expect(events.filter((e) => e.type === 'UserMessageAdded').map((e) => e.data.text)).toEqual(['first', 'after']);
    const recorded = events.find((e) => e.type === 'MessageRefused')!;
    expect(recorded.data).toMatchObject({ seq: 2, messageId: refused.messageId, code: 'message-unstorable' });
    expect(recorded.data.reason).toMatch(/cannot be stored: character with byte sequence 0xe2 0x98 0x83/);
    const failed = (await f.bus.messages('EVENTS'))
      .map((m) => TurnFailed.envelope.safeParse(m.json()))
      .flatMap((e) => (e.success && e.data.data.turnId === recorded.data.turnId ? [e.data.data] : []));
    expect(failed).toEqual([expect.objectContaining({ code: 'message-unstorable', retryable: false })]);
    expect((await f.bus.messages('DLQ')).filter((m) => m.string().includes(refused.messageId))).toEqual([]);
    const asked = f.model.requests.map((r) => r.lastUserText);
    expect(asked).toContain('after');
    expect(asked.some((text) => text?.includes('snowman'))).toBe(false);
    // A redelivery of the refused message is a no-op: nothing more is recorded or sent.
    const turn = (await f.bus.messages('TURNS')).find((m) => m.string().includes(refused.messageId))!;
    await f.bus.publishRaw(turn.subject, turn.data, 'replay-refused');
    await chat.send('last');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: last' });
    expect(chat.replies.map((r) => r.kind)).toEqual(['reply', 'notice', 'reply', 'reply']);
    await chat.close();
  });
});

describe('a model or tool whose output cannot be stored', () => {
  it('answers with NUL and a lone surrogate: sanitised, the turn completes, the chat answers next', async () => {
    const chat = await openChat(f.gateway, 'model-nul');
    // Every call, not once: a runner that could not record the answer would ask again and again.
    f.model.setReply(() => 'hi\u0000there \ud83d');
    await chat.send('say something odd');
    expect(await chat.nextReply(20_000)).toMatchObject({ kind: 'reply', text: 'hi\ufffdthere \ufffd' });
    f.model.setReply((request) => `echo: ${request.lastUserText ?? ''}`);
    await chat.send('and now?');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: and now?' });
    const responded = (await sessionOf('model-nul')).filter((e) => e.type === 'ModelResponded');
    expect(responded.map((e) => e.data.sanitized)).toEqual([2, undefined]);
    await chat.close();
  });

  it('calls a tool with a lone surrogate in its arguments, and a tool returns NUL: both sanitised, then answers', async () => {
    const chat = await openChat(f.gateway, 'tool-nul');
    f.model.script(
      {
        toolCalls: [
          { name: 'get_time', arguments: '{"timeZone":"Mars/\ud800"}' },
          // A JSON escape: the arguments are storable, the time zone the tool echoes in its error is not.
          { name: 'get_time', arguments: '{"timeZone":"Moon/\\u0000Base"}' },
        ],
      },
      { text: 'no such places' },
    );
    await chat.send('what time is it on mars?');
    expect(await chat.nextReply(20_000)).toMatchObject({ kind: 'reply', text: 'no such places' });
    const [mars, moon] = toolMessages(f.model.requests.at(-1)!.body);
    expect(mars).toMatch(/^get_time failed: unknown time zone "Mars\/\ufffd"/);
    expect(moon).toMatch(/^get_time failed: unknown time zone "Moon\/\ufffdBase"\n\[1 character\(s\) that cannot be stored/);
    expect(f.model.requests).toHaveLength(2); // nothing was asked twice
    await chat.send('thanks');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: thanks' });
    await chat.close();
  });
});

describe('bad events on the bus', () => {
  it('an oversized or invalid inbound message is dead-lettered with the reason', async () => {
    const envelope = makeEnvelope(InboundReceived, {
      tenantId: 'default',
      data: { chat: { channel: 'http', chatId: 'big' }, messageId: 'm', sender: { id: 'u' }, text: 'y'.repeat(40_000), receivedAt: new Date().toISOString() },
    });
    await f.bus.publishRaw(f.bus.topology.subjects.inboundReceived('http', 1), JSON.stringify(envelope));
    await eventually('a dead letter', async () =>
      (await f.bus.messages('DLQ')).some((m) => /text is longer than 32000/.test(m.header.get('Clawfleet-Dlq-Reason'))),
    );
  });
});

describe('a reply for a channel nobody can send to', () => {
  it('is settled as failed with the reason, and does not hold up the replies after it', async () => {
    const sessionId = '01936b2e-0000-7000-8000-0000000000cc';
    const chat = { channel: 'telegram' as const, chatId: '-100123' };
    for (const seq of [1, 2]) {
      const outboundId = `01936b2e-0000-7000-8000-00000000010${seq}`;
      const envelope = makeEnvelope(OutboundReady, {
        tenantId: 'default',
        data: { outboundId, sessionId, turnId: null, seq, chat, text: `reply ${seq}`, kind: 'reply' },
      });
      await f.bus.publishRaw(f.bus.topology.subjects.outboundReady('telegram'), JSON.stringify(envelope));
    }
    await eventually('two delivery.failed facts', async () =>
      (await f.bus.messages('EVENTS')).filter((m) => m.subject.includes('delivery.failed')).length === 2,
    );
    const failed = (await f.bus.messages('EVENTS')).find((m) => m.subject.includes('delivery.failed'))!;
    expect(DeliveryFailed.envelope.parse(failed.json()).data.reason).toBe('no sender is configured for channel telegram');
  });
});

describe('a flood from one chat', () => {
  it('is answered completely and in order, and another chat is still served', async () => {
    const flood = await openChat(f.gateway, 'flood');
    const other = await openChat(f.gateway, 'bystander');
    const count = 150;
    await Promise.all(Array.from({ length: count }, (_, i) => flood.send(`flood ${i}`, `flood-${i}`)));
    await other.send('me too');
    expect((await other.nextReply(30_000)).text).toBe('echo: me too');
    const replies = await flood.waitForReplies(count, 60_000);
    expect(replies.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(new Set(replies.map((r) => r.text)).size).toBe(count);
    await Promise.all([flood.close(), other.close()]);
  });
});
