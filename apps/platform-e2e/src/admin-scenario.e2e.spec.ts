import { chatKey } from '@clawfleet/contracts';
import { openChat, type RecordedRequest } from '@clawfleet/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { adminClient, type AdminClient } from './support/admin-client';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

/*
 * The platform provisioned over HTTP only, with a client typed from the OpenAPI document: a tenant,
 * an agent, a user, a group and binding, a channel:client key; then a chat through the HTTP channel
 * answered by the agent provisioned, its change of instructions on the next turn, and a channel
 * secret that never shows up anywhere.
 *
 * The chat in "acme" uses the channel:client key made over the API: its tenant and user are the
 * message's. A second part provisions the default tenant, where a chat was routed before anything
 * was bound, to show the change reaching a router that had cached the tenant.
 */
const BOOTSTRAP = 'bootstrap-key-for-the-scenario-spec-0123456789';

let f: PlatformFixture;
let api: AdminClient;
/** The channel:client key of acme's alice, made over the API. */
let aliceKey: string;
/** Every answer the admin API gave this spec, headers and body. */
const seen: string[] = [];

const systemOf = (r: RecordedRequest) =>
  (r.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'system')?.content;

beforeAll(async () => {
  f = await startPlatform({
    appEnv: {
      'admin-api': {
        ADMIN_BOOTSTRAP_KEY: BOOTSTRAP,
        CREDENTIALS_KEYS: `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`,
        // Everything admin-api would log, so a secret in any log line would be seen.
        LOG_LEVEL: 'trace',
      },
    },
  });
  api = adminClient(f.platform.url('admin-api'), BOOTSTRAP, seen);
});
afterAll(async () => {
  expect(f.platform.unexpectedExits()).toEqual([]);
  await f?.stop();
});

describe('a tenant provisioned over the typed client', () => {
  it('gets a tenant, an agent, a user with an identity and a role, a group and binding, and a channel key', async () => {
    const tenant = await api.POST('/v1/tenants', { body: { id: 'acme', name: 'Acme' } });
    expect(tenant.response.status).toBe(201);
    expect(tenant.data).toMatchObject({ id: 'acme', enabled: true });

    const agent = await api.POST('/v1/tenants/{tenantId}/agents', {
      params: { path: { tenantId: 'acme' } },
      body: {
        id: 'concierge',
        name: 'Concierge',
        config: {
          instructions: 'You are the Acme concierge.',
          models: [{ provider: 'openai', model: 'fake-concierge' }],
        },
      },
    });
    expect(agent.data).toMatchObject({ id: 'concierge', version: 1, config: { queueMode: 'followup', maxRounds: 16 } });

    const user = await api.POST('/v1/tenants/{tenantId}/users', {
      params: { path: { tenantId: 'acme' } },
      body: { displayName: 'Alice' },
    });
    const userId = user.data!.id;
    await api.POST('/v1/tenants/{tenantId}/users/{userId}/identities', {
      params: { path: { tenantId: 'acme', userId } },
      body: { channel: 'http', externalId: 'alice' },
    });
    await api.PUT('/v1/tenants/{tenantId}/users/{userId}/roles', {
      params: { path: { tenantId: 'acme', userId } },
      body: { role: 'owner' },
    });
    const group = await api.POST('/v1/tenants/{tenantId}/groups', {
      params: { path: { tenantId: 'acme' } },
      body: { channel: 'http', chatId: 'front-desk', name: 'Front desk' },
    });
    const binding = await api.POST('/v1/tenants/{tenantId}/bindings', {
      params: { path: { tenantId: 'acme' } },
      body: { groupId: group.data!.id, agentId: 'concierge', engageMode: 'mention', sessionScope: 'per-user' },
    });
    expect(binding.data).toMatchObject({ engageMode: 'mention', sessionScope: 'per-user', senderScope: 'all' });
    const key = await api.POST('/v1/tenants/{tenantId}/keys', {
      params: { path: { tenantId: 'acme' } },
      body: { scope: 'channel:client', name: 'web chat', userId: 'alice' },
    });
    expect(key.data).toMatchObject({ scope: 'channel:client', userId: 'alice', key: expect.stringMatching(/^cf_/) });
    aliceKey = key.data!.key;

    const read = await api.GET('/v1/tenants/{tenantId}/users/{userId}', {
      params: { path: { tenantId: 'acme', userId } },
    });
    expect(read.data).toMatchObject({
      displayName: 'Alice',
      identities: [{ channel: 'http', externalId: 'alice' }],
      roles: [{ role: 'owner', agentId: null }],
    });
    // A problem comes back typed as the error, not as data.
    const missing = await api.GET('/v1/tenants/{tenantId}/agents/{agentId}', {
      params: { path: { tenantId: 'acme', agentId: 'nobody' } },
    });
    expect([missing.response.status, missing.data]).toEqual([404, undefined]);
  });
});

describe('a chat in the tenant provisioned, with its key', () => {
  it('is answered by the agent bound over the API, as the key\'s user', async () => {
    const chat = await openChat(f.gateway, 'front-desk', { key: aliceKey });
    // The binding engages on a mention: a message without one is ignored.
    await chat.send('@concierge where is the front desk?');
    const reply = await chat.nextReply(20_000);
    expect(reply).toMatchObject({ kind: 'reply' });
    const request = f.model.requests.at(-1)!;
    expect(request.model).toBe('fake-concierge');
    expect(systemOf(request)).toContain('You are the Acme concierge.');
    await chat.close();
  });
});

describe('a chat through the HTTP channel', () => {
  beforeAll(async () => {
    // session-runner provisions the environment's tenant when it starts.
    await eventually(
      'the default tenant',
      async () => (await api.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId: 'default' } } })).response.ok,
    );
  });

  it('is answered by the agent bound over the API, and by its new version after a change', async () => {
    const chat = await f.openChat('lobby');
    // Routed (and cached by the router) before anything is bound: the environment's agent answers.
    await chat.send('hello before', 'lobby-0');
    await chat.nextReply(15_000);
    expect(f.model.requests.at(-1)!.model).toBe('fake-model');

    const agent = await api.POST('/v1/tenants/{tenantId}/agents', {
      params: { path: { tenantId: 'default' } },
      body: {
        id: 'greeter',
        config: {
          instructions: 'You greet visitors of the lobby.',
          models: [{ provider: 'openai', model: 'fake-greeter' }],
        },
      },
    });
    const group = await api.POST('/v1/tenants/{tenantId}/groups', {
      params: { path: { tenantId: 'default' } },
      body: { channel: 'http', chatId: 'lobby' },
    });
    await api.POST('/v1/tenants/{tenantId}/bindings', {
      params: { path: { tenantId: 'default' } },
      body: { groupId: group.data!.id, agentId: 'greeter', engageMode: 'always' },
    });

    // No cache waits its TTL: admin-api's provisioning.changed dropped the router's.
    await chat.send('hello', 'lobby-1');
    const reply = await chat.nextReply(15_000);
    expect(reply.kind).toBe('reply');
    const request = f.model.requests.at(-1)!;
    expect(request.model).toBe('fake-greeter');
    expect(systemOf(request)).toContain('You greet visitors of the lobby.');

    const changed = await api.PATCH('/v1/tenants/{tenantId}/agents/{agentId}', {
      params: {
        path: { tenantId: 'default', agentId: 'greeter' },
        header: { 'If-Match': agent.response.headers.get('etag')! },
      },
      body: { config: { instructions: 'You greet visitors of the lobby, in French.' } },
    });
    expect(changed.data).toMatchObject({ version: 2 });
    await chat.send('hello again', 'lobby-2');
    await chat.nextReply(15_000);
    expect(systemOf(f.model.requests.at(-1)!)).toContain('in French.');
    expect(f.model.requests.at(-1)!.model).toBe('fake-greeter');

    // Disabled over the API: the agent answers with a notice and calls no model.
    const current = await api.GET('/v1/tenants/{tenantId}/agents/{agentId}', {
      params: { path: { tenantId: 'default', agentId: 'greeter' } },
    });
    await api.PATCH('/v1/tenants/{tenantId}/agents/{agentId}', {
      params: {
        path: { tenantId: 'default', agentId: 'greeter' },
        header: { 'If-Match': current.response.headers.get('etag')! },
      },
      body: { enabled: false },
    });
    const calls = f.model.requests.length;
    await chat.send('anyone there?', 'lobby-3');
    expect((await chat.nextReply(15_000)).kind).toBe('notice');
    expect(f.model.requests).toHaveLength(calls);
    await chat.close();
  });

  it('stops answering a tenant a platform admin disabled, and answers again once it is enabled', async () => {
    const outcome = async (messageId: string) => {
      const pg = new Client({ connectionString: f.db.url });
      await pg.connect();
      try {
        const { rows } = await pg.query(
          `SELECT outcome, decisions FROM router.inbound_outcomes WHERE tenant_id = 'default' AND message_key = $1`,
          [`${chatKey(f.chatRef('desk'))}#${messageId}`],
        );
        return rows[0];
      } finally {
        await pg.end();
      }
    };
    const chat = await f.openChat('desk');
    const set = (enabled: boolean) =>
      api.PATCH('/v1/tenants/{tenantId}', { params: { path: { tenantId: 'default' } }, body: { enabled } });
    expect((await set(false)).data).toMatchObject({ enabled: false });
    const calls = f.model.requests.length;
    await chat.send('is anyone in?', 'desk-1');
    await eventually('the refusal', async () => (await outcome('desk-1')) !== undefined);
    expect(await outcome('desk-1')).toMatchObject({
      outcome: 'refused',
      decisions: [{ kind: 'refuse', rule: 'tenant' }],
    });
    expect(f.model.requests).toHaveLength(calls);

    expect((await set(true)).data).toMatchObject({ enabled: true });
    await chat.send('and now?', 'desk-2');
    expect((await chat.nextReply(15_000)).kind).toBe('reply');
    expect(await outcome('desk-2')).toMatchObject({ outcome: 'engaged' });
    await chat.close();
  });
});

describe('a channel secret posted to the API', () => {
  it('is never returned, logged, recorded in the audit trail or an event, or put on the bus', async () => {
    const canary = `canary-${randomUUID()}`;
    const rotated = `canary-${randomUUID()}`;
    const created = await api.POST('/v1/tenants/{tenantId}/channels', {
      params: { path: { tenantId: 'acme' } },
      body: { kind: 'telegram', name: 'Acme bot', credentials: canary },
    });
    expect(created.data).toMatchObject({ hasCredentials: true, credentialsKeyId: 'k2' });
    const id = created.data!.id;
    await api.PUT('/v1/tenants/{tenantId}/channels/{channelId}/credentials', {
      params: { path: { tenantId: 'acme', channelId: id } },
      body: { credentials: rotated },
    });
    // Refused inputs carrying it too: an unknown field beside it, a channel kind that does not exist.
    await api.POST('/v1/tenants/{tenantId}/channels', {
      params: { path: { tenantId: 'acme' } },
      body: { kind: 'telegram', credentials: canary, token: canary } as never,
    });
    await api.POST('/v1/tenants/{tenantId}/channels', {
      params: { path: { tenantId: 'acme' } },
      body: { kind: 'pager' as never, credentials: canary },
    });
    await api.GET('/v1/tenants/{tenantId}/channels/{channelId}', {
      params: { path: { tenantId: 'acme', channelId: id } },
    });
    await api.GET('/v1/tenants/{tenantId}/channels', { params: { path: { tenantId: 'acme' } } });

    const secrets = [canary, rotated];
    const leaks = (where: string, text: string) => secrets.filter((s) => text.includes(s)).map(() => where);
    const found: string[] = [];
    // Every answer the API gave this spec.
    for (const answer of seen) found.push(...leaks('an answer', answer));
    // Every log line of every app (admin-api's at trace level).
    for (const app of f.platform.instances)
      found.push(...leaks(`${app}'s logs`, f.platform.logs(app as never).join('\n')));
    // Every message of every stream of this run's namespace, headers included.
    for (const stream of Object.keys(f.bus.topology.streams) as Array<keyof typeof f.bus.topology.streams>) {
      for (const m of await f.bus.messages(stream)) {
        const headers = m.header ? [...m.header.keys()].map((k) => `${k}: ${m.header!.get(k)}`).join('\n') : '';
        found.push(...leaks(`stream ${stream}`, `${m.subject}\n${headers}\n${m.string()}`));
      }
    }
    // Every row of every table (the event store with the audit trail, the outbox, provisioning …), as
    // text and, for bytea, as hex.
    const pg = new Client({ connectionString: f.db.url });
    await pg.connect();
    try {
      const tables = await pg.query(
        `SELECT table_schema, table_name FROM information_schema.tables
         WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
      expect(tables.rows.map((t) => `${t.table_schema}.${t.table_name}`)).toEqual(
        expect.arrayContaining(['eventstore.events', 'eventstore.outbox', 'provisioning.channels']),
      );
      for (const { table_schema: schema, table_name: table } of tables.rows) {
        for (const secret of secrets) {
          const { rows } = await pg.query(
            `SELECT count(*)::int AS n FROM "${schema}"."${table}" t WHERE t::text LIKE $1 OR t::text LIKE $2`,
            [`%${secret}%`, `%${Buffer.from(secret).toString('hex')}%`],
          );
          if (rows[0].n > 0) found.push(`${schema}.${table}`);
        }
      }
      // What was audited instead: that credentials were set, and under which key.
      const audit = await pg.query(`SELECT data FROM eventstore.events WHERE stream_id = $1 ORDER BY version`, [
        `audit-channel-${id}`,
      ]);
      expect(audit.rows.map((r) => [r.data.action, r.data.details.credentialsKeyId])).toEqual([
        ['channel.created', 'k2'],
        ['channel.credentials-set', 'k2'],
      ]);
    } finally {
      await pg.end();
    }
    expect(found).toEqual([]);
    // The test can see a leak: the secret is where a leak would be looked for, had it been sent there.
    expect(leaks('a probe', JSON.stringify({ credentials: canary }))).toEqual(['a probe']);
  });
});
