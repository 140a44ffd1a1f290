import { readFileSync } from 'node:fs';
import { makeEnvelope } from '@clawfleet/bus';
import { chatKey, HttpReplyPosted, INBOUND_PARTITIONS, InboundReceived, OutboundReady, partitionOf, TurnRequested } from '@clawfleet/contracts';
import { createParser } from 'eventsource-parser';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

const decoder = new TextDecoder();
let f: PlatformFixture;

beforeAll(async () => {
  f = await startPlatform();
});
afterAll(async () => {
  await f?.stop();
});

describe('a message through six processes', () => {
  it('comes back as the model reply', async () => {
    const chat = await f.openChat('round-trip');
    const sent = await chat.send('hello there');
    const reply = await chat.nextReply(15_000);
    expect(reply).toMatchObject({ text: 'echo: hello there', kind: 'reply', replyTo: sent.messageId, seq: 1 });
    expect(f.model.requestsWhere({ path: '/v1/chat/completions' }).at(-1)?.headers['authorization']).toBe('Bearer test-key');
    await chat.close();
  });

  it('answers a message posted twice once', async () => {
    const chat = await f.openChat('posted-twice');
    const first = await chat.send('once please', 'client-key-1');
    const second = await chat.send('once please', 'client-key-1');
    expect([first.duplicate, second.duplicate]).toEqual([false, true]);
    await chat.send('and then this');
    const replies = await chat.waitForReplies(2);
    expect(replies.map((r) => r.text)).toEqual(['echo: once please', 'echo: and then this']);
    expect(f.model.requestsWhere((r) => r.lastUserText === 'once please')).toHaveLength(1);
    await chat.close();
  });
});

describe('the provider key', () => {
  it('is in the environment of session-runner and of no other app', () => {
    const holders = f.platform.instances.filter((instance) => {
      const pid = f.platform.pid(instance as never);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      return environ.some((entry) => entry.startsWith('MODEL_API_KEY='));
    });
    expect(holders).toEqual(['session-runner']);
  });
});

describe('a reply being written', () => {
  it('is shown as it grows (progress events), then sent whole', async () => {
    const events: Array<{ event?: string; data: string }> = [];
    const abort = new AbortController();
    const authorization = `Bearer ${await f.clientKey('streaming')}`;
    const response = await fetch(`${f.gateway}/v1/chats/streaming/events`, { headers: { accept: 'text/event-stream', authorization }, signal: abort.signal });
    const parser = createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) });
    const reading = (async () => {
      for await (const chunk of response.body!) parser.feed(new TextDecoder().decode(chunk as Uint8Array));
    })().catch(() => undefined);
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    f.model.script({ text: words });
    f.model.setChunkDelay(40);
    const chat = await f.openChat('streaming');
    await chat.send('talk slowly');
    await chat.nextReply(20_000);
    f.model.setChunkDelay(0);
    await eventually('the reply on the raw stream', () => events.some((e) => e.event === 'reply'));
    const progress = events.filter((e) => e.event === 'progress').map((e) => JSON.parse(e.data).text as string);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const text of progress) expect(words.startsWith(text)).toBe(true);
    expect(progress.map((t) => t.length)).toEqual([...progress.map((t) => t.length)].sort((a, b) => a - b));
    expect(events.findIndex((e) => e.event === 'reply')).toBeGreaterThan(events.findIndex((e) => e.event === 'progress'));
    await chat.close();
    abort.abort();
    await reading;
  });
});

describe('an http and a cli chat with the same id', () => {
  it('never see each other\'s replies: each has its own mailbox', async () => {
    const http = await f.openChat('twin');
    // The CLI channel's own adapter is not built yet: its message goes straight onto the bus.
    const cliChat = { channel: 'cli' as const, chatId: 'twin' };
    const cliMessage = makeEnvelope(InboundReceived, {
      tenantId: 'default',
      data: { chat: cliChat, messageId: 'cli-1', sender: { id: 'twin' }, text: 'from the cli', receivedAt: new Date().toISOString() },
    });
    const { subjects } = f.bus.topology;
    await f.bus.publishRaw(subjects.inboundReceived('cli', partitionOf(chatKey(cliChat), INBOUND_PARTITIONS)), JSON.stringify(cliMessage));
    const mailboxOf = async (subject: string) =>
      (await f.bus.messages('HTTP_MAILBOX')).filter((m) => m.subject === subject).map((m) => HttpReplyPosted.envelope.parse(m.json()).data);
    await eventually('the cli reply in the cli mailbox', async () => (await mailboxOf(subjects.httpMailbox('cli', 'default', 'twin'))).length > 0);
    // The http chat's stream was open all along: a reply in its mailbox would have reached it first.
    await http.send('from http');
    await http.waitForReplies(1);
    expect(http.replies.map((r) => r.text)).toEqual(['echo: from http']);
    expect((await mailboxOf(subjects.httpMailbox('cli', 'default', 'twin'))).map((r) => [r.chat, r.text])).toEqual([[cliChat, 'echo: from the cli']]);
    expect((await mailboxOf(subjects.httpMailbox('http', 'default', f.chatRef('twin').chatId))).map((r) => r.text)).toEqual(['echo: from http']);
    await http.close();
  });
});

describe('a redelivered event has no second effect', () => {
  it('for inbound.received, turn.requested and outbound.ready alike', async () => {
    const chat = await f.openChat('redelivery');
    await chat.send('original');
    await chat.nextReply(15_000);
    const [inbound, turn, outbound] = await Promise.all(
      (['INBOUND', 'TURNS', 'OUTBOUND'] as const).map(async (stream) =>
        (await f.bus.messages(stream)).filter((m) => decoder.decode(m.data).includes('redelivery')).at(-1)!,
      ),
    );
    expect(InboundReceived.envelope.parse(inbound.json()).data.text).toBe('original');
    expect(TurnRequested.envelope.parse(turn.json()).data.message.text).toBe('original');
    expect(OutboundReady.envelope.parse(outbound.json()).data.text).toBe('echo: original');
    const modelCalls = f.model.requests.length;

    // A new Nats-Msg-Id defeats JetStream's dedup window: only the handlers' idempotency is left.
    for (const m of [inbound, turn, outbound]) await f.bus.publishRaw(m.subject, m.data, `replay-${m.seq}`);
    await chat.send('after the replays');
    const replies = await chat.waitForReplies(2);
    expect(replies.map((r) => r.text)).toEqual(['echo: original', 'echo: after the replays']);
    expect(f.model.requests.length).toBe(modelCalls + 1);
    await chat.close();
  });
});

describe('bad input', () => {
  it('is dead-lettered with a reason on every stream, and the consumers keep serving', async () => {
    const { subjects } = f.bus.topology;
    const valid = await f.openChat('after-garbage');
    const garbage: Array<[string, string]> = [
      [subjects.inboundReceived('http', 0), 'not json at all'],
      [subjects.inboundReceived('http', 3), JSON.stringify({ id: 'x', type: 'inbound.received' })],
      [subjects.turnRequested('default', '01936b2e-0000-7000-8000-0000000000aa'), JSON.stringify({ hello: 'world' })],
      [subjects.toolCompleted('default', '01936b2e-0000-7000-8000-0000000000aa'), '{"type":"tool.completed"'],
      [subjects.outboundReady('http'), JSON.stringify({ id: '01936b2e-0000-7000-8000-0000000000ab', type: 'outbound.ready', schemaVersion: 99, occurredAt: new Date().toISOString(), tenantId: 'default', correlationId: 'c', causationId: null, data: {} })],
    ];
    for (const [subject, payload] of garbage) await f.bus.publishRaw(subject, payload);

    await eventually('five dead letters', async () => (await f.bus.messages('DLQ')).length >= garbage.length);
    const reasons = (await f.bus.messages('DLQ')).map((m) => m.header.get('Clawfleet-Dlq-Reason'));
    expect(reasons).toEqual(
      expect.arrayContaining([
        'message is not valid JSON',
        expect.stringMatching(/^invalid envelope/),
        expect.stringMatching(/unsupported schemaVersion 99/),
      ]),
    );
    // Garbage in a chat's mailbox and on its progress subject is skipped by the open stream.
    const { chatId } = f.chatRef('after-garbage');
    await f.bus.publishRaw(subjects.httpMailbox('http', 'default', chatId), 'not json');
    f.bus.publishCore(subjects.progress('http', 'default', chatId), '{"broken":');
    await valid.send('still there?');
    expect((await valid.nextReply(15_000)).text).toBe('echo: still there?');
    expect(f.platform.unexpectedExits()).toEqual([]);
    await valid.close();
  });

  it('over HTTP gets an RFC 9457 problem', async () => {
    const authorization = `Bearer ${await f.clientKey('ok')}`;
    const post = (chatId: string, body: string, contentType = 'application/json') =>
      fetch(`${f.gateway}/v1/chats/${chatId}/messages`, { method: 'POST', headers: { 'content-type': contentType, authorization }, body });
    const cases: Array<[Promise<Response>, number, RegExp]> = [
      [post('ok', '{"text": '), 400, /JSON/],
      [post('ok', JSON.stringify({ text: '' })), 400, /text must not be empty/],
      [post('ok', JSON.stringify({ text: 'x'.repeat(32_001) })), 400, /longer than 32000/],
      [post('ok', JSON.stringify({ text: 'hi', extra: true })), 400, /extra/],
      [post('bad.chat', JSON.stringify({ text: 'hi' })), 400, /chatId/],
      [post('ok', JSON.stringify({ text: 'y'.repeat(300_000) })), 413, /too large/i],
    ];
    for (const [response, status, detail] of cases) {
      const res = await response;
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { status: number; detail: string };
      expect(problem).toMatchObject({ status, title: expect.any(String) });
      expect(problem.detail).toMatch(detail);
    }
  });
});
