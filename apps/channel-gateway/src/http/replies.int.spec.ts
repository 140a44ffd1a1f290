import { authMigrations, ownedChatId } from '@clawfleet/auth';
import { makeEnvelope } from '@clawfleet/bus';
import { HttpReplyPosted, topology } from '@clawfleet/contracts';
import { bootstrapService, parseConfig } from '@clawfleet/platform';
import {
  createMigratedDatabase,
  openKeyMint,
  TEST_NATS_URL,
  uniqueNamespace,
  type KeyMint,
  type MigratedDatabase,
} from '@clawfleet/testing';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../app.module';
import { GatewayConfig } from '../config';
import { ReplyStreams } from './reply-streams';

// Real NATS and PostgreSQL (the keys), the gateway's own Nest application in this process (so its
// stream counts can be read).
const namespace = uniqueNamespace('sse');
const t = topology(namespace);
let nc: NatsConnection;
let jsm: JetStreamManager;
let db: MigratedDatabase;
let mint: KeyMint;
const apps: INestApplication[] = [];
/** A channel key per user, made on first use. */
const keys = new Map<string, Promise<string>>();
const keyOf = (user: string) => {
  if (!keys.has(user)) keys.set(user, mint.clientKey(user).then((k) => k.key));
  return keys.get(user)!;
};

async function startGateway(env: Record<string, string> = {}) {
  const config = parseConfig(GatewayConfig, {
    NATS_URL: TEST_NATS_URL,
    BUS_NAMESPACE: namespace,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...env,
  });
  const app = await bootstrapService(AppModule.forRoot(config), { port: 0, host: '127.0.0.1' });
  apps.push(app);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { port, streams: app.get(ReplyStreams) };
}

interface OpenedStream {
  /** Resolves with the response once its headers arrived; never rejects (a destroyed request resolves undefined). */
  readonly response: Promise<IncomingMessage | undefined>;
  /** Resolves once the client side is closed. */
  readonly closed: Promise<void>;
  destroy(): void;
}

/** Opens a reply stream of `chatId` as `user` (default `alice`) with that user's key. */
function openStream(
  port: number,
  chatId: string,
  options: { user?: string; localAddress?: string; lastEventId?: string } = {},
): OpenedStream {
  const req = request({
    host: '127.0.0.1',
    port,
    path: `/v1/chats/${chatId}/events`,
    localAddress: options.localAddress,
  });
  req.setHeader('accept', 'text/event-stream');
  if (options.lastEventId) req.setHeader('last-event-id', options.lastEventId);
  void keyOf(options.user ?? 'alice').then((key) => {
    if (req.destroyed) return; // the client left before it had its key
    req.setHeader('authorization', `Bearer ${key}`);
    req.end();
  });
  const closed = new Promise<void>((resolve) => req.once('close', () => resolve()));
  const response = new Promise<IncomingMessage | undefined>((resolve) => {
    req.once('response', resolve);
    req.once('error', () => resolve(undefined));
    req.once('close', () => resolve(undefined));
  });
  return { response, closed, destroy: () => req.destroy() };
}

async function readBody(res: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return body;
}

/** The consumers JetStream holds on the mailbox stream: each open reply stream has one. */
async function mailboxConsumers(): Promise<number> {
  return (await jsm.consumers.list(t.streams.HTTP_MAILBOX.name).next()).length;
}

async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
  jsm = await jetstreamManager(nc);
  db = await createMigratedDatabase(authMigrations, { poolSize: 2, applicationName: 'sse-spec' });
  mint = await openKeyMint(db.url);
});
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const spec of Object.values(t.streams)) await jsm.streams.delete(spec.name).catch(() => undefined);
  await nc.close();
  await mint?.close();
  await db?.close();
});

describe('a reply stream whose client leaves', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway({ SSE_MAX_STREAMS_PER_CHAT: '1000', SSE_MAX_STREAMS_PER_CLIENT: '1000' });
  });

  it('after setup releases its consumer, subscription and timer', async () => {
    const timersBefore = activeTimers();
    const stream = openStream(gateway.port, 'after-setup');
    const res = await stream.response;
    expect(res?.statusCode).toBe(200);
    expect(gateway.streams.stats()).toEqual({ streams: 1, resources: 6 }); // slot, key watch, consumer, messages, progress, heartbeat
    expect(await mailboxConsumers()).toBe(1);
    // It delivers what reaches the mailbox.
    const js = jetstream(nc);
    const reply = makeEnvelope(HttpReplyPosted, {
      tenantId: 'default',
      data: {
        outboundId: '01936b2e-0000-7000-8000-00000000f001',
        sessionId: '01936b2e-0000-7000-8000-00000000f002',
        turnId: null,
        chat: { channel: 'http', chatId: ownedChatId('alice', 'after-setup') },
        seq: 1,
        text: 'hello',
        kind: 'reply',
      },
    });
    await js.publish(t.subjects.httpMailbox('http', 'default', ownedChatId('alice', 'after-setup')), JSON.stringify(reply));
    let seen = '';
    res!.on('data', (chunk) => (seen += String(chunk)));
    await eventually('the reply on the stream', () => seen.includes('event: reply'));
    stream.destroy();
    await eventually(
      'nothing held',
      async () => gateway.streams.stats().resources === 0 && (await mailboxConsumers()) === 0,
    );
    expect(gateway.streams.stats()).toEqual({ streams: 0, resources: 0 });
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });

  it('at random points of setup leaves no consumer, timer or stream behind (200 clients)', async () => {
    const timersBefore = activeTimers();
    let answered = 0;
    const clients = Array.from({ length: 200 }, async (_, i) => {
      const stream = openStream(gateway.port, `leaver-${i % 20}`);
      // Half leave at a random moment while the gateway sets up (a few NATS round trips), the rest
      // right after the headers arrived or a little later.
      const leaveAfterHeaders = i % 2 === 1;
      if (leaveAfterHeaders) {
        const res = await stream.response;
        if (res?.statusCode === 200) answered++;
        await sleep(Math.random() * 10);
      } else {
        await sleep(Math.random() * 30);
      }
      stream.destroy();
      await stream.closed;
    });
    await Promise.all(clients);
    expect(answered).toBeGreaterThan(0);
    await eventually(
      'every stream released',
      async () => gateway.streams.stats().resources === 0 && (await mailboxConsumers()) === 0,
    );
    expect(gateway.streams.stats()).toEqual({ streams: 0, resources: 0 });
    // Nothing keeps pulling or pinging for a client that is gone.
    await sleep(500);
    expect(await mailboxConsumers()).toBe(0);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });
});

describe('the number of reply streams', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway({
      SSE_MAX_STREAMS_PER_CHAT: '2',
      SSE_MAX_STREAMS_PER_CLIENT: '3',
      SSE_MAX_STREAMS: '4',
    });
  });

  async function expectRefused(stream: OpenedStream, detail: RegExp) {
    const res = await stream.response;
    expect(res?.statusCode).toBe(429);
    expect(res?.headers['retry-after']).toBe('5');
    expect(res?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(await readBody(res!))).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      detail: expect.stringMatching(detail),
    });
  }

  it('is bounded per chat, per user and per process; a refused stream holds nothing', async () => {
    const open: OpenedStream[] = [];
    const accept = async (chatId: string, user = 'alice') => {
      const stream = openStream(gateway.port, chatId, { user });
      expect((await stream.response)?.statusCode).toBe(200);
      open.push(stream);
    };
    await accept('limited');
    await accept('limited');
    await expectRefused(openStream(gateway.port, 'limited'), /this chat has 2 open reply streams/);
    // The same user from another address is held to the same bounds: the key says who it is.
    await expectRefused(openStream(gateway.port, 'limited', { localAddress: '127.0.0.2' }), /this chat has 2/);
    await accept('other');
    await expectRefused(openStream(gateway.port, 'third'), /this user has 3 open reply streams/);
    await expectRefused(openStream(gateway.port, 'third', { localAddress: '127.0.0.2' }), /this user has 3/);
    // Another user's chat of the same name is another chat; they may open one, up to the process's bound.
    await accept('limited', 'bob');
    await expectRefused(openStream(gateway.port, 'fourth', { user: 'carol' }), /the gateway has 4 open reply streams/);
    expect(gateway.streams.stats().streams).toBe(4);
    expect(await mailboxConsumers()).toBe(4);

    // A stream that ends frees its slot at once.
    open.shift()!.destroy();
    await eventually('the slot freed', () => gateway.streams.stats().streams === 3);
    await accept('limited');
    for (const stream of open) stream.destroy();
    await eventually(
      'nothing held',
      async () => gateway.streams.stats().resources === 0 && (await mailboxConsumers()) === 0,
    );
  });

  it('answers a bad Last-Event-ID with 400 and holds nothing for it', async () => {
    const res = await openStream(gateway.port, 'bad-resume', { lastEventId: 'nope' }).response;
    expect(res?.statusCode).toBe(400);
    await readBody(res!);
    expect(gateway.streams.stats()).toEqual({ streams: 0, resources: 0 });
  });
});
