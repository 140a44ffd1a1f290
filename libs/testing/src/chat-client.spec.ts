import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openChat } from './chat-client';

/**
 * A stand-in for the gateway's HTTP channel, only as much as the client needs: the real gateway is
 * covered by its own specs and by the end-to-end suite.
 */
async function startGateway() {
  const streams = new Set<ServerResponse>();
  const posted: unknown[] = [];
  const log: Array<{ id: number; data: object }> = [];
  const resumeHeaders: Array<string | undefined> = [];
  const authorizations: Array<string | undefined> = [];
  const server: Server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const message = JSON.parse(body) as { text: string };
        if (!message.text)
          return void res
            .writeHead(400, { 'content-type': 'application/problem+json' })
            .end('{"title":"text must not be empty"}');
        posted.push(message);
        res
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ messageId: 'm-1', duplicate: posted.length > 1 }));
      });
      return;
    }
    const after = Number(req.headers['last-event-id'] ?? 0);
    resumeHeaders.push(req.headers['last-event-id'] as string | undefined);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    for (const e of log.filter((e) => e.id > after))
      res.write(`id: ${e.id}\nevent: reply\ndata: ${JSON.stringify(e.data)}\n\n`);
    streams.add(res);
    req.on('close', () => streams.delete(res));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posted,
    resumeHeaders,
    authorizations,
    reply(text: string, extra: object = {}) {
      const id = log.length + 1;
      const data = {
        outboundId: randomUUID(),
        sessionId: randomUUID(),
        turnId: randomUUID(),
        seq: id,
        chat: { channel: 'http', chatId: 'c1' },
        text,
        kind: 'reply',
        ...extra,
      };
      log.push({ id, data });
      // Split across writes, so the client must reassemble events from chunks.
      const frame = `: ping\n\nid: ${id}\nevent: reply\ndata: ${JSON.stringify(data)}\n\n`;
      for (const s of streams) {
        s.write(frame.slice(0, 20));
        s.write(frame.slice(20));
      }
    },
    endStreams: (lastFrame = '') => {
      streams.forEach((s) => s.end(lastFrame));
      streams.clear();
    },
    close: () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))),
  };
}

describe('chat client', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeEach(async () => (gateway = await startGateway()));
  afterEach(() => gateway.close());

  it('posts messages and reads replies in order', async () => {
    const chat = await openChat(gateway.url, 'c1', { key: 'cf_key' });
    await expect(chat.send('hello', 'm-1')).resolves.toEqual({
      messageId: 'm-1',
      duplicate: false,
    });
    expect(gateway.posted).toEqual([{ text: 'hello', messageId: 'm-1' }]);
    // The key on both requests, the stream's and the post's.
    expect(gateway.authorizations).toEqual(['Bearer cf_key', 'Bearer cf_key']);
    gateway.reply('first');
    gateway.reply('second');
    expect((await chat.nextReply(5_000)).text).toBe('first');
    expect((await chat.nextReply(5_000)).text).toBe('second');
    expect(chat.replies.map((r) => r.eventId)).toEqual(['1', '2']);
    expect(chat.lastEventId).toBe('2');
    await chat.close();
  });

  it('waits for n replies, and times out with what it saw', async () => {
    const chat = await openChat(gateway.url, 'c1', { key: 'cf_key' });
    gateway.reply('only one');
    await expect(chat.waitForReplies(1, 5_000)).resolves.toHaveLength(1);
    await expect(chat.waitForReplies(2, 100)).rejects.toThrow(/none after 100 ms; replies so far: \["only one"\]/);
    await chat.close();
  });

  it('resumes after a Last-Event-ID', async () => {
    gateway.reply('seen');
    gateway.reply('missed');
    const chat = await openChat(gateway.url, 'c1', { key: 'cf_key', lastEventId: '1' });
    expect((await chat.nextReply(5_000)).text).toBe('missed');
    expect(gateway.resumeHeaders).toEqual(['1']);
    await chat.close();
  });

  it('resumes with Last-Event-ID when the gateway ends the stream: nothing missed, nothing twice', async () => {
    const chat = await openChat(gateway.url, 'c1', { key: 'cf_key' });
    gateway.reply('first');
    expect((await chat.nextReply(5_000)).text).toBe('first');
    gateway.endStreams();
    gateway.reply('while away');
    expect((await chat.nextReply(5_000)).text).toBe('while away');
    gateway.reply('after');
    expect((await chat.nextReply(5_000)).text).toBe('after');
    expect(chat.replies.map((r) => r.text)).toEqual(['first', 'while away', 'after']);
    expect(gateway.resumeHeaders).toEqual([undefined, '1']);
    await chat.close();
  });

  it('before the first reply, resumes from the start of the mailbox', async () => {
    const chat = await openChat(gateway.url, 'c1', { key: 'cf_key' });
    gateway.endStreams();
    gateway.reply('while away');
    expect((await chat.nextReply(5_000)).text).toBe('while away');
    expect(gateway.resumeHeaders).toEqual([undefined, '0']);
    await chat.close();
  });

  it('fails waiting replies once the gateway stays away, and rejects invalid replies', async () => {
    const away = await startGateway();
    const chat = await openChat(away.url, 'c1', { key: 'cf_key', reconnectForMs: 300 });
    await away.close();
    await expect(chat.nextReply(5_000)).rejects.toThrow(/event stream of chat c1 (ended|failed).*reconnecting failed/);
    await chat.close();

    const strict = await openChat(gateway.url, 'c1', { key: 'cf_key' });
    gateway.reply('', { kind: 'shout' });
    await expect(strict.nextReply(5_000)).rejects.toThrow(/invalid reply event/);
    await strict.close();
  });

  it('says so when the gateway ends the stream because the key is no longer valid', async () => {
    const chat = await openChat(gateway.url, 'c1', { key: 'cf_key' });
    gateway.endStreams('event: unauthorized\ndata: {"status":401,"detail":"The API key was revoked or expired."}\n\n');
    await expect(chat.nextReply(5_000)).rejects.toThrow(/ended the stream of chat c1: .*revoked or expired/);
    await chat.close();
  });

  it('reports a refused post with the gateway answer', async () => {
    const chat = await openChat(gateway.url, 'c1', { key: 'cf_key' });
    await expect(chat.send('')).rejects.toThrow(/answered 400: .*text must not be empty/);
    await chat.close();
  });
});
