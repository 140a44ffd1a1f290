import { ownedChatId } from '@clawfleet/auth';
import { connectNats } from '@clawfleet/bus';
import { BUS_SERVICES, topology, type BusService, type Topology } from '@clawfleet/contracts';
import {
  createTestDatabase,
  launchPlatform,
  openChat,
  openKeyMint,
  startFakeOpenAI,
  type FakeOpenAI,
  type Platform,
  type TestDatabase,
} from '@clawfleet/testing';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { adminClient, type AdminClient } from './support/admin-client';
import { eventually } from './support/fixture';
import { startSecuredBus, type SecuredBus } from './support/secured-bus';

// The six apps against a nats-server of the spec's own that knows one user per service, with the
// permissions rendered from the topology (deploy/nats/auth.conf for this namespace). The streams are
// made by the provisioner beforehand; each app signs in as itself and may do only its own part.
let bus: SecuredBus;
let db: TestDatabase;
let model: FakeOpenAI;
let platform: Platform;
let t: Topology;
const open: NatsConnection[] = [];
const BOOTSTRAP = 'bootstrap-key-for-the-credentials-spec-0123456789';
let api: AdminClient;

beforeAll(async () => {
  bus = await startSecuredBus('c');
  t = topology(bus.namespace);
  await bus.provision();
  [db, model] = await Promise.all([createTestDatabase(), startFakeOpenAI()]);
  platform = await launchPlatform({
    databaseUrl: db.url,
    namespace: bus.namespace,
    natsUrl: bus.url,
    model: { baseUrl: model.url, apiKey: 'test-key', name: 'fake-model' },
    env: { SHUTDOWN_GRACE_MS: '2000' },
    appEnv: {
      ...bus.appEnv(),
      'admin-api': { ...bus.appEnv()['admin-api'], ADMIN_BOOTSTRAP_KEY: BOOTSTRAP },
    },
  });
  api = adminClient(platform.url('admin-api'), BOOTSTRAP);
});
afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await platform?.stop();
  await Promise.allSettled([model?.close(), db?.drop()]);
  await bus?.stop();
});

/** A connection signed in as a service, with its own inbox, as the app's. */
async function as(service: BusService): Promise<NatsConnection> {
  const nc = await connectNats(bus.url, service, { auth: { user: service, password: bus.passwords[service] } });
  open.push(nc);
  return nc;
}

/** The error the server's refusal produced, or a failure if the action went through. */
async function refused(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the server allowed it');
}

/** A core subscription the server refuses ends with a permissions violation. */
async function subscriptionRefused(nc: NatsConnection, subject: string): Promise<string> {
  const sub = nc.subscribe(subject);
  const ended = await Promise.race([
    sub.closed,
    new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000)),
  ]);
  return ended instanceof Error ? ended.message : String(ended);
}

const payload = JSON.stringify({ forged: true });

describe('the platform with one NATS user per service', () => {
  it('answers a message through the HTTP channel, and the server refused none of what the apps did', async () => {
    const mint = await openKeyMint(db.url);
    const { key } = await mint.clientKey('with-credentials').finally(() => mint.close());
    const chat = await openChat(platform.url('channel-gateway'), 'with-credentials', { key });
    const sent = await chat.send('hello with credentials');
    const reply = await chat.nextReply(30_000);
    expect(reply).toMatchObject({ text: 'echo: hello with credentials', kind: 'reply', replyTo: sent.messageId });
    await chat.close();
    // delivery recorded its fact, so every hop ran (the last one included) under its own user.
    const events = await jetstreamManager(await as('delivery'));
    const facts = async () => (await events.streams.info(t.streams.EVENTS.name)).state.messages;
    await eventually(
      'the delivery fact, or a refusal',
      async () => (await facts()) >= 2 || bus.violations().length > 0,
    );
    expect(bus.violations()).toEqual([]);
    expect(await facts()).toBe(2);
    expect(platform.unexpectedExits()).toEqual([]);
  });
});

describe('admin-api with its own NATS user', () => {
  it("announces a provisioning change (its outbox, EVENTS) that reaches the router, and an operator's message reaches the chat", async () => {
    const mint = await openKeyMint(db.url);
    const { key } = await mint.clientKey('lobby').finally(() => mint.close());
    const chat = await openChat(platform.url('channel-gateway'), 'lobby', { key });
    // Routed (and cached by the router) before anything is bound: the environment's agent answers.
    await chat.send('hello before', 'lobby-0');
    expect(await chat.nextReply(30_000)).toMatchObject({ kind: 'reply' });
    expect(model.requests.at(-1)!.model).toBe('fake-model');

    const agent = await api.POST('/v1/tenants/{tenantId}/agents', {
      params: { path: { tenantId: 'default' } },
      body: {
        id: 'greeter',
        config: { instructions: 'You greet.', models: [{ provider: 'openai', model: 'fake-greeter' }] },
      },
    });
    expect(agent.response.status).toBe(201);
    const group = await api.POST('/v1/tenants/{tenantId}/groups', {
      params: { path: { tenantId: 'default' } },
      body: { channel: 'http', chatId: 'lobby' },
    });
    const binding = await api.POST('/v1/tenants/{tenantId}/bindings', {
      params: { path: { tenantId: 'default' } },
      body: { groupId: group.data!.id, agentId: 'greeter', engageMode: 'always' },
    });
    expect(binding.response.status).toBe(201);

    // No cache waits its TTL: the announcement admin-api published under its own user dropped the router's.
    await chat.send('hello after', 'lobby-1');
    expect(await chat.nextReply(30_000)).toMatchObject({ kind: 'reply' });
    expect(model.requests.at(-1)!.model).toBe('fake-greeter');

    // An operator's message goes into INBOUND through admin-api's outbox, and is answered in the chat.
    const sessions = await api.GET('/v1/tenants/{tenantId}/sessions', { params: { path: { tenantId: 'default' } } });
    const session = sessions.data!.items.find((s) => s.chat.chatId === ownedChatId('lobby', 'lobby'))!;
    const sent = await api.POST('/v1/tenants/{tenantId}/sessions/{sessionId}/messages', {
      params: { path: { tenantId: 'default', sessionId: session.id } },
      body: { text: 'an operator writes' },
    });
    expect(sent.response.status).toBe(202);
    expect(await chat.nextReply(30_000)).toMatchObject({ kind: 'reply', text: 'echo: an operator writes' });
    await chat.close();

    expect(bus.violations()).toEqual([]);
    expect(platform.unexpectedExits()).toEqual([]);
  });
});

describe("what a service's user does not own is refused by the server", () => {
  it.each<[BusService, string, (t: Topology) => string]>([
    ['channel-gateway', 'a turn request', (t) => t.subjects.turnRequested('default', 'forged-session')],
    ['router', 'a delivery fact', (t) => t.subjects.event('delivery.succeeded', 'default')],
    ['router', 'an inbound message', (t) => t.subjects.inboundReceived('http', 0)],
    ['session-runner', 'a mailbox reply', (t) => t.subjects.httpMailbox('http', 'default', 'someone')],
    ['delivery', 'an outbound reply', (t) => t.subjects.outboundReady('http')],
    ['delivery', 'a turn fact', (t) => t.subjects.event('turn.completed', 'default')],
    ['scheduler', 'a turn request', (t) => t.subjects.turnRequested('default', 'forged-session')],
    ['admin-api', 'a turn fact', (t) => t.subjects.event('turn.completed', 'default')],
    ['admin-api', 'a delivery fact', (t) => t.subjects.event('delivery.succeeded', 'default')],
  ])('%s may not publish %s', async (service, _what, subject) => {
    const js = jetstream(await as(service));
    expect(await refused(() => js.publish(subject(t), payload, { timeout: 5_000 }))).toMatch(
      /Permissions Violation for Publish/,
    );
  });

  it("may not read another service's messages: its consumer, its inbox, a mailbox", async () => {
    const router = await as('router');
    // The runner's durable: neither its info nor a pull.
    expect(await refused(() => jetstream(router).consumers.get(t.streams.TURNS.name, 'session-runner'))).toMatch(
      /Permissions Violation/,
    );
    expect(
      await refused(() =>
        router.request(`$JS.API.CONSUMER.MSG.NEXT.${t.streams.TURNS.name}.session-runner`, '{"batch":1}'),
      ),
    ).toMatch(/Permissions Violation for Publish/);
    // The HTTP mailbox is the gateway's to read: delivery writes it, and cannot read it back.
    const delivery = await as('delivery');
    expect(
      await refused(() =>
        jetstream(delivery)
          .consumers.get(t.streams.HTTP_MAILBOX.name, {
            filter_subjects: t.subjects.httpMailbox('http', 'default', 'someone'),
          })
          .then((c) => c.next({ expires: 1_000 })),
      ),
    ).toMatch(/Permissions Violation/);
    expect(await subscriptionRefused(delivery, t.subjects.httpMailbox('http', 'default', 'someone'))).toMatch(
      /Permissions Violation for Subscription/,
    );
    // Replies to another service's requests (pulled messages among them).
    expect(await subscriptionRefused(await as('channel-gateway'), '_INBOX.session-runner.>')).toMatch(
      /Permissions Violation for Subscription/,
    );
    expect(await subscriptionRefused(await as('scheduler'), '_INBOX.>')).toMatch(
      /Permissions Violation for Subscription/,
    );
  });

  it.each(BUS_SERVICES)('%s may not create, change or delete a stream', async (service) => {
    const jsm = await jetstreamManager(await as(service));
    const name = t.streams.INBOUND.name;
    expect(await refused(() => jsm.streams.delete(name))).toMatch(/Permissions Violation/);
    expect(await refused(() => jsm.streams.update(name, { max_age: 1_000_000_000 }))).toMatch(/Permissions Violation/);
    expect(
      await refused(() =>
        jsm.streams.add({
          name: `${name}_X`,
          subjects: [`${bus.namespace}.x.>`],
          retention: RetentionPolicy.Limits,
          storage: StorageType.Memory,
        }),
      ),
    ).toMatch(/Permissions Violation/);
  });
});

describe('a connection without the right credentials', () => {
  it('is refused, with an error that says whose credentials and never the password', async () => {
    expect(await refused(() => connectNats(bus.url, 'router'))).toMatch(
      /refused router's credentials \(no credentials\): Authorization Violation/,
    );
    const wrong = 'pwWrongPassword0123456789';
    const message = await refused(() => connectNats(bus.url, 'router', { auth: { user: 'router', password: wrong } }));
    expect(message).toMatch(/refused router's credentials \(user "router"\): Authorization Violation/);
    expect(message).not.toContain(wrong);
    // Another service's password is no password of this user.
    expect(
      await refused(() =>
        connectNats(bus.url, 'router', { auth: { user: 'router', password: bus.passwords.delivery } }),
      ),
    ).toMatch(/Authorization Violation/);
  });

  it("stops an app signed in as another service's user at start-up, naming what was refused", async () => {
    const alone = await launchPlatform({
      databaseUrl: db.url,
      namespace: bus.namespace,
      natsUrl: bus.url,
      model: { baseUrl: model.url, apiKey: 'test-key', name: 'fake-model' },
      apps: [],
      appEnv: {
        delivery: { NATS_USER: 'router', NATS_PASSWORD: bus.passwords.router, BUS_PROVISION_STREAMS: 'false' },
      },
    });
    try {
      await expect(alone.start('delivery')).rejects.toThrow(/delivery exited before it was ready/);
      await eventually('the exit to be logged', () => alone.logs('delivery').some((l) => l.includes('exited (code')));
      const logs = alone.logs('delivery').join('\n');
      expect(logs).toMatch(/Permissions Violation for Subscription to "_INBOX\.delivery\./);
      expect(alone.exits.map((e) => [e.instance, e.code])).toEqual([['delivery', 1]]);
      expect(logs).not.toContain(bus.passwords.router);
    } finally {
      await alone.stop();
    }
  });

  it('stops an app that would change a stream, saying to leave the streams to the provisioner', async () => {
    const alone = await launchPlatform({
      databaseUrl: db.url,
      namespace: bus.namespace,
      natsUrl: bus.url,
      model: { baseUrl: model.url, apiKey: 'test-key', name: 'fake-model' },
      apps: [],
      // Streams provisioned by the app itself (the default), with a longer retention than they have.
      appEnv: {
        router: { NATS_USER: 'router', NATS_PASSWORD: bus.passwords.router, BUS_STREAM_MAX_AGE_MS: '864000000' },
      },
    });
    try {
      await expect(alone.start('router')).rejects.toThrow(/router exited before it was ready/);
      await eventually('the exit to be logged', () => alone.logs('router').some((l) => l.includes('exited (code')));
      expect(alone.logs('router').join('\n')).toMatch(
        new RegExp(
          `NATS refused to create or update stream ${t.streams.INBOUND.name} \\(Permissions Violation for Publish to "\\$JS\\.API\\.STREAM\\.UPDATE\\.${t.streams.INBOUND.name}"\\): .*set BUS_PROVISION_STREAMS=false`,
        ),
      );
    } finally {
      await alone.stop();
    }
    // The stream kept its retention.
    const jsm = await jetstreamManager(await as('router'));
    expect((await jsm.streams.info(t.streams.INBOUND.name)).config.max_age).toBe(t.streams.INBOUND.maxAgeMs * 1e6);
  });

  it('stops the app at start-up with that error, exit code 1, instead of retrying in silence', async () => {
    const wrong = 'pwWrongPassword9876543210';
    const alone = await launchPlatform({
      databaseUrl: db.url,
      namespace: bus.namespace,
      natsUrl: bus.url,
      model: { baseUrl: model.url, apiKey: 'test-key', name: 'fake-model' },
      apps: [],
      appEnv: { scheduler: { NATS_USER: 'scheduler', NATS_PASSWORD: wrong, BUS_PROVISION_STREAMS: 'false' } },
    });
    try {
      await expect(alone.start('scheduler')).rejects.toThrow(/scheduler exited before it was ready/);
      await eventually('the exit to be logged', () => alone.logs('scheduler').some((l) => l.includes('exited (code')));
      const logs = alone.logs('scheduler').join('\n');
      expect(logs).toMatch(
        /NATS at nats:\/\/127\.0\.0\.1:\d+ refused scheduler's credentials \(user "scheduler"\): Authorization Violation/,
      );
      expect(alone.exits.map((e) => [e.instance, e.code, e.expected])).toEqual([['scheduler', 1, false]]);
      expect(logs).not.toContain(wrong);
    } finally {
      await alone.stop();
    }
  });
});

describe('credentials the server stops accepting', () => {
  // Last: it ends the shared platform's scheduler.
  it('end a running app with a fatal line and exit code 1, not an app that stays up unready', async () => {
    expect(platform.isRunning('scheduler')).toBe(true);
    await bus.rotatePassword('scheduler');
    await eventually('the scheduler to exit', () => !platform.isRunning('scheduler'), 30_000);
    await eventually('the exit to be logged', () => platform.logs('scheduler').some((l) => l.includes('exited (code')));
    const fatal = platform
      .logs('scheduler')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((l) => l.level === 60);
    expect(fatal).toMatchObject({
      nats: 'user "scheduler"',
      msg: expect.stringMatching(/^NATS connection ended: .+; exiting$/),
    });
    expect(platform.exits.filter((e) => e.instance === 'scheduler').map((e) => [e.code, e.expected])).toEqual([
      [1, false],
    ]);
    // The other apps are still served.
    expect(platform.isRunning('router')).toBe(true);
  });
});
