import { makeEnvelope } from '@clawfleet/bus';
import {
  DeliveryFailed,
  InboundReceived,
  MAX_MESSAGE_CHARS,
  MAX_REPLY_CHARS,
  OutboundReady,
  TurnFailed,
  TurnRequested,
} from '@clawfleet/contracts';
import { uuidV7Ids } from '@clawfleet/platform';
import Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { readSessionStreams, type StoredEvent } from './support/event-store-probe';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';
import { openProvisioning } from './support/provisioning';

let f: PlatformFixture;
// The sandbox tools' workspaces; the containers made on them are this spec's to remove.
const docker = new Docker();
const workspaces = fs.mkdtempSync(path.join(os.tmpdir(), 'clawfleet-e2e-bad-'));
const containers = async () =>
  (await docker.listContainers({ all: true, filters: { label: ['clawfleet.sandbox=1'] } })).filter((c) =>
    c.Mounts.some((m) => m.Source?.startsWith(`${workspaces}/`)),
  );

beforeAll(async () => {
  f = await startPlatform({ env: { TURN_MAX_ROUNDS: '4', SANDBOX_WORKSPACE_ROOT: workspaces } });
});
afterAll(async () => {
  expect(f.platform.unexpectedExits()).toEqual([]);
  await f?.stop();
  for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true });
  const left = await containers();
  fs.rmSync(workspaces, { recursive: true, force: true });
  expect(left).toEqual([]);
});
afterEach(() => {
  f.model.reset();
  f.model.setReply((request) => `echo: ${request.lastUserText ?? ''}`);
});

const toolMessages = (body: { messages?: Array<{ role: string; content?: string }> }) =>
  (body.messages ?? []).filter((m) => m.role === 'tool').map((m) => m.content ?? '');

describe('a model that misbehaves', () => {
  it('gets invalid tool arguments and unknown tools back as tool errors, then answers', async () => {
    const chat = await f.openChat('bad-tool-args');
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
    const chat = await f.openChat('endless-tools');
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
    const chat = await f.openChat('huge-output');
    f.model.script({ text: 'x'.repeat(MAX_REPLY_CHARS + 50_000) });
    await chat.send('write a novel');
    const reply = await chat.nextReply(20_000);
    expect(reply.text.length).toBe(MAX_REPLY_CHARS);
    expect(reply.text).toMatch(/\[The reply was cut/);
    await chat.close();
  });

  it('that fails for good (401) gives the user a short text, keeps the full error, and the session goes on', async () => {
    const chat = await f.openChat('model-401');
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
  const owned = f.chatRef(chatId).chatId;
  const streams = [...(await readSessionStreams(f.db.url)).values()];
  return streams.find((events) => events[0]?.type === 'SessionStarted' && events[0].data.chat.chatId === owned) ?? [];
}

/** A post to a chat as its user (the chat id), or with the Authorization header given. */
const post = async (chatId: string, body: unknown, authorization?: string | null) =>
  fetch(`${f.gateway}/v1/chats/${chatId}/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization !== null && { authorization: authorization ?? `Bearer ${await f.clientKey(chatId)}` }),
    },
    body: JSON.stringify(body),
  });

/** The message ids of a chat's messages that reached the bus. */
const inboundOf = async (chatId: string) =>
  (await f.bus.messages('INBOUND')).flatMap((m) => {
    const event = InboundReceived.envelope.safeParse(JSON.parse(m.string()));
    return event.success && event.data.data.chat.chatId === f.chatRef(chatId).chatId ? [event.data.data.messageId] : [];
  });

describe('text a user sends that cannot be stored', () => {
  it.each([
    ['a NUL', 'nul', { text: 'hi\u0000there' }, 'text', 2, 'text: text contains a NUL character (U+0000) at position 2'],
    ['a lone high surrogate', 'high', { text: 'hi \ud800 there' }, 'text', 3, 'a lone high surrogate (U+D800) at position 3'],
    ['a lone low surrogate', 'low', { text: '\udc00 hi' }, 'text', 0, 'a lone low surrogate (U+DC00) at position 0'],
    ['an oversized text', 'big', { text: 'y'.repeat(MAX_MESSAGE_CHARS + 1) }, 'text', MAX_MESSAGE_CHARS, 'text is longer than 32000'],
  ])('with %s is refused with a 400 naming the position; nothing is stored; the chat answers next', async (_what, id, body, path, position, detail) => {
    const chatId = `poison-${id}`;
    const chat = await f.openChat(chatId);
    const res = await post(chatId, { ...body, messageId: 'bad-1' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { status: number; detail: string; errors: unknown[] };
    expect(problem).toMatchObject({ status: 400, errors: [{ path, position }] });
    expect(problem.detail).toContain(detail);
    await chat.send('now a good one', 'good-1');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: now a good one' });
    // Nothing of the refused message reached the bus or the session.
    expect(await inboundOf(chatId)).toEqual(['good-1']);
    const added = (await sessionOf(chatId)).filter((e) => e.type === 'UserMessageAdded');
    expect(added.map((e) => e.data.text)).toEqual(['now a good one']);
    await chat.close();
  });
});

describe('a post that names its sender, or has no valid key', () => {
  it.each([
    ['a sender in the body', { sender: { id: 'someone-else' } }, undefined, 400, /sender: the sender is the user of the API key/, undefined],
    ['no Authorization', {}, null, 401, /An API key is required/, 'Bearer realm="clawfleet"'],
    ['another scheme', {}, 'Basic dXNlcjpwYXNz', 401, /not valid/, 'Bearer realm="clawfleet", error="invalid_token"'],
    ['an oversized made-up key', {}, `Bearer cf_${'x'.repeat(8_000)}`, 401, /not valid/, 'Bearer realm="clawfleet", error="invalid_token"'],
  ])('with %s is refused; nothing reaches the bus; the chat answers next', async (what, extra, authorization, status, detail, challenge) => {
    const chatId = `refused-${what.replace(/\W+/g, '-')}`;
    const chat = await f.openChat(chatId);
    const res = await post(chatId, { text: 'hello', messageId: 'bad-1', ...extra }, authorization);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate') ?? undefined).toBe(challenge);
    expect(((await res.json()) as { detail: string }).detail).toMatch(detail);
    await chat.send('now a good one', 'good-1');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: now a good one' });
    expect(await inboundOf(chatId)).toEqual(['good-1']);
    await chat.close();
  });

  it('with a read-only key of the tenant is refused with 403: admin keys do not chat', async () => {
    const readOnly = await f.keys.key('tenant:read', 'default');
    const before = (await f.bus.messages('INBOUND')).length;
    const res = await post('refused-read-only', { text: 'hello' }, `Bearer ${readOnly.key}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="clawfleet", error="insufficient_scope", scope="channel:client"');
    expect((await f.bus.messages('INBOUND')).length).toBe(before);
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
    const chat = await f.openChat('refused-by-store');
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
    const chat = await f.openChat('model-nul');
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
    const chat = await f.openChat('tool-nul');
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

describe('web_fetch with bad input', () => {
  const offered = (body: { tools?: Array<{ function: { name: string } }> }) => (body.tools ?? []).map((t) => t.function.name);

  it('is not offered to an agent without egress, and refused when called anyway', async () => {
    const chat = await f.openChat('fetch-none');
    f.model.script({ toolCalls: [{ name: 'web_fetch', arguments: { url: 'http://example.com/' } }] }, { text: 'no web here' });
    await chat.send('fetch a page');
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'no web here' });
    expect(offered(f.model.requests[0]!.body)).toEqual(expect.arrayContaining(['bash', 'read_file']));
    expect(offered(f.model.requests[0]!.body)).not.toContain('web_fetch');
    expect(toolMessages(f.model.requests.at(-1)!.body)).toEqual([
      'The tool "web_fetch" is not available to this agent: its sandbox has no egress.',
    ]);
    await chat.close();
  });

  it('of an agent with egress: other schemes, invalid URLs, metadata addresses and unlisted hosts are tool errors, then it answers', async () => {
    const p = await openProvisioning(f);
    try {
      await p.repo.createAgent('default', {
        id: 'fetcher',
        config: { instructions: 'You fetch pages.', sandbox: { egress: { allow: ['docs.example.test'] } } },
      });
      const group = await p.repo.createGroup('default', { channel: 'http', chatId: 'fetch-bad' });
      await p.repo.bind('default', group, { agentId: 'fetcher', engageMode: 'always' });
      p.changed('default', 'binding');
      const chat = await f.openChat('fetch-bad');
      await eventually('the chat is routed to the agent with egress', async () => {
        f.model.reset();
        await chat.send(`hello ${Date.now()}`);
        await chat.nextReply(15_000);
        return offered(f.model.requests[0]!.body).includes('web_fetch');
      });
      f.model.reset();
      // None of these is resolved or connected to: each is refused by its URL or address alone.
      const urls = ['file:///etc/passwd', 'not a url', 'gopher://docs.example.test/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8082/healthz', 'http://elsewhere.test/'];
      f.model.script({ toolCalls: urls.map((url) => ({ name: 'web_fetch', arguments: { url } })) }, { text: 'none of that worked' });
      await chat.send('fetch these');
      expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'none of that worked' });
      expect(toolMessages(f.model.requests.at(-1)!.body)).toEqual([
        'Invalid arguments for web_fetch: url: only http and https URLs can be fetched, not file:',
        'Invalid arguments for web_fetch: url: "not a url" is not an absolute URL',
        'Invalid arguments for web_fetch: url: only http and https URLs can be fetched, not gopher:',
        'web_fetch failed: 169.254.169.254 is a cloud metadata address: never reachable from a sandbox',
        'web_fetch failed: ::1 is a loopback address: never reachable from a sandbox',
        "web_fetch failed: elsewhere.test:80 is not on this agent's egress allow-list (docs.example.test)",
      ]);
      f.model.setReply((request) => `echo: ${request.lastUserText ?? ''}`);
      await chat.send('still there?');
      expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: still there?' });
      await chat.close();
    } finally {
      await p.close();
    }
  });
});

describe('a model that gives the sandbox tools bad input, through a turn', () => {
  it('gets a clear tool error for each, the turn completes, and the sandbox and the chat go on', async () => {
    const chat = await f.openChat('bad-sandbox-input');
    f.model.script(
      {
        toolCalls: [
          { name: 'bash', arguments: { command: 42 } },
          { name: 'read_file', arguments: '{"path": ' },
          { name: 'bash', arguments: { command: 'head -c 100000000 /dev/zero | tr "\\0" a' } },
          { name: 'read_file', arguments: { path: '../../etc/passwd' } },
          { name: 'bash', arguments: { command: "ln -s /etc/passwd escape; touch $'new\\nline'; echo made" } },
          { name: 'read_file', arguments: { path: 'escape' } },
          { name: 'send_file', arguments: { path: 'escape' } },
          { name: 'write_file', arguments: { path: 'bad\nname.txt', content: 'x' } },
          { name: 'send_file', arguments: { path: 'tab\there.txt' } },
          { name: 'list_files', arguments: {} },
        ],
      },
      { text: 'handled' },
    );
    await chat.send('break the sandbox');
    expect(await chat.nextReply(60_000)).toMatchObject({ kind: 'reply', text: 'handled' });
    const results = toolMessages(f.model.requests.at(-1)!.body);
    expect(results).toEqual([
      expect.stringMatching(/^Invalid arguments for bash: command:/),
      'The arguments of read_file are not valid JSON.',
      expect.stringMatching(/^bash failed: the command wrote \d+ bytes of output and was stopped; redirect large output to a file/),
      'Invalid arguments for read_file: path: the path "../../etc/passwd" is outside /workspace',
      'exit code: 0\n--- stdout ---\nmade\n',
      'read_file failed: the path "escape" leads outside /workspace through a symbolic link',
      'send_file failed: the path "escape" leads outside /workspace through a symbolic link',
      'Invalid arguments for write_file: path: the path "bad\\nname.txt" contains control characters (such as a newline)',
      'Invalid arguments for send_file: path: the path "tab\\there.txt" contains control characters (such as a newline)',
      'escape\nnew\\nline',
    ]);
    // The 100 MB were cut in the sandbox: what reached the model is bounded.
    expect(results[2]!.length).toBeLessThan(25_000);
    const completed = (await sessionOf('bad-sandbox-input')).filter((e) => e.type === 'ToolCallCompleted');
    expect(completed.map((e) => e.data.outcome.status)).toEqual(['error', 'error', 'error', 'error', 'ok', 'error', 'error', 'error', 'error', 'ok']);
    // Nothing broke: the same sandbox answers the next turn, and the chat goes on.
    f.model.script({ toolCalls: [{ name: 'bash', arguments: { command: 'echo still here' } }] }, { text: 'fine' });
    await chat.send('are you there?');
    expect(await chat.nextReply(30_000)).toMatchObject({ kind: 'reply', text: 'fine' });
    expect(toolMessages(f.model.requests.at(-1)!.body).at(-1)).toBe('exit code: 0\n--- stdout ---\nstill here\n');
    expect(await containers()).toHaveLength(1);
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

describe('provisioning that is not there (any more)', () => {
  it('a chat whose binding was deleted is told no agent is bound; an unknown agent answers that it is not provisioned', async () => {
    const p = await openProvisioning(f);
    try {
      await p.repo.createAgent('default', { id: 'temp', config: { instructions: 'You are temporary.' } });
      const group = await p.repo.createGroup('default', { channel: 'http', chatId: 'unbound' });
      const binding = await p.repo.bind('default', group, { agentId: 'temp', engageMode: 'always' });
      p.changed('default', 'binding');
      const chat = await f.openChat('unbound');
      await eventually('the binding is routed', async () => {
        f.model.reset();
        await chat.send(`hello ${Date.now()}`);
        await chat.nextReply(15_000);
        return JSON.stringify(f.model.requests[0]?.body).includes('You are temporary.');
      });
      await p.repo.unbind('default', binding);
      p.changed('default', 'binding', binding);
      await eventually('the deleted binding is told', async () => {
        await chat.send(`still there? ${Date.now()}`);
        const reply = await chat.nextReply(15_000);
        return reply.kind === 'notice' && reply.text === 'No agent is bound to this chat.';
      });
      // Never handed to the default agent instead: nothing reaches a model.
      f.model.reset();
      await chat.send('and now?');
      expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'notice', text: 'No agent is bound to this chat.' });
      expect(f.model.requests).toHaveLength(0);
      await chat.close();

      // A turn asked of an agent (version) nobody provisioned: a clear error reply, no model call.
      const ghost = await f.openChat('ghost-agent');
      const sessionId = uuidV7Ids.next();
      const request = (seq: number, text: string) =>
        makeEnvelope(TurnRequested, {
          tenantId: 'default',
          data: {
            sessionId,
            agentId: 'ghost',
            agentVersion: 3,
            turnId: uuidV7Ids.next(),
            seq,
            chat: f.chatRef('ghost-agent'),
            message: { messageId: `g${seq}`, text, sender: { id: 'u' } },
            source: 'user',
          },
        });
      const first = request(1, 'hello ghost');
      await f.bus.publishRaw(f.bus.topology.subjects.turnRequested('default', sessionId), JSON.stringify(first), first.id);
      expect(await ghost.nextReply(15_000)).toMatchObject({
        kind: 'error',
        text: 'The agent ghost (version 3) is not provisioned.',
      });
      expect(f.model.requests).toHaveLength(0);
      await ghost.close();
      // The platform still serves the next good message.
      const good = await f.openChat('after-ghost');
      await good.send('fine?');
      expect(await good.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: fine?' });
      await good.close();
    } finally {
      await p.close();
    }
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
    const flood = await f.openChat('flood');
    const other = await f.openChat('bystander');
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
