import { ProvisioningChanged } from '@clawfleet/contracts';
import {
  createTestDatabase,
  launchPlatform,
  TEST_NATS_URL,
  uniqueNamespace,
  type Platform,
  type TestDatabase,
} from '@clawfleet/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { adminCli, adminHttp } from './support/admin-http';
import { openBusProbe, type BusProbe } from './support/bus-probe';
import { eventually } from './support/fixture';

/*
 * The provisioning resources of admin-api, on admin-api alone: versions and concurrent edits, the
 * audit trail and the announcements, tenants kept apart (BOLA), fields no caller may set (mass
 * assignment), bad input, and the CLI. The authorization matrix of these routes is in
 * admin-api.e2e.spec.ts; the typed client and a chat through the platform in admin-scenario.e2e.spec.ts.
 */
const BOOTSTRAP = 'bootstrap-key-for-the-provisioning-spec-0123456789';

let db: TestDatabase;
let platform: Platform;
let bus: BusProbe;
let pg: Client;
const call = adminHttp(() => platform.url('admin-api'));
const cli = adminCli(() => platform.url('admin-api'), BOOTSTRAP);
const keys = { alpha: '', alphaRead: '', beta: '' };

async function ok(method: string, url: string, body?: unknown, key = BOOTSTRAP, headers: Record<string, string> = {}) {
  const res = await call(method, url, key, body, undefined, headers);
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${res.text}`);
  return res;
}

const fullConfig = {
  instructions: 'You answer questions about orders.',
  models: [
    { provider: 'openai', model: 'gpt-4o-mini' },
    { provider: 'anthropic', model: 'claude-haiku-4-5' },
  ],
  allowedModels: ['gpt-4.1'],
  toolsAllowed: ['get_time'],
  queueMode: 'collect',
  maxRounds: 5,
  tokenBudgetPerMonth: 100_000,
};

beforeAll(async () => {
  db = await createTestDatabase();
  const namespace = uniqueNamespace('p');
  bus = await openBusProbe(TEST_NATS_URL, namespace);
  platform = await launchPlatform({
    databaseUrl: db.url,
    namespace,
    natsUrl: TEST_NATS_URL,
    model: { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', name: 'unused' },
    apps: ['admin-api'],
    appEnv: {
      'admin-api': { ADMIN_BOOTSTRAP_KEY: BOOTSTRAP, CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}` },
    },
  });
  pg = new Client({ connectionString: db.url });
  await pg.connect();
  for (const tenant of ['alpha', 'beta']) await ok('POST', '/v1/tenants', { id: tenant });
  const key = async (tenant: string, scope: string) =>
    (await ok('POST', `/v1/tenants/${tenant}/keys`, { scope, name: scope })).json.key as string;
  keys.alpha = await key('alpha', 'tenant:admin');
  keys.alphaRead = await key('alpha', 'tenant:read');
  keys.beta = await key('beta', 'tenant:admin');
});
afterAll(async () => {
  await pg?.end();
  await platform?.stop();
  await bus?.close();
  await db?.drop();
});

describe('agents', () => {
  it('take every field of the model, and a change is a new immutable version', async () => {
    const created = await ok(
      'POST',
      '/v1/tenants/alpha/agents',
      { id: 'orders', name: 'Orders', config: fullConfig },
      keys.alpha,
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.json).toMatchObject({ id: 'orders', name: 'Orders', enabled: true, version: 1, config: fullConfig });

    const changed = await ok(
      'PATCH',
      '/v1/tenants/alpha/agents/orders',
      { config: { instructions: 'You answer questions about orders, briefly.' } },
      keys.alpha,
      { 'if-match': '"1"' },
    );
    expect(changed.json).toMatchObject({
      version: 2,
      config: { ...fullConfig, instructions: 'You answer questions about orders, briefly.' },
    });
    expect(changed.headers.get('etag')).toBe('"2"');
    // A rename changes the agent, not its configuration: same version, new revision.
    const renamed = await ok('PATCH', '/v1/tenants/alpha/agents/orders', { name: 'Order desk' }, keys.alpha, {
      'if-match': '"2"',
    });
    expect(renamed.json).toMatchObject({ name: 'Order desk', version: 2, revision: 3 });

    const versions = await ok('GET', '/v1/tenants/alpha/agents/orders/versions', undefined, keys.alphaRead);
    expect(versions.json.items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const first = await ok('GET', '/v1/tenants/alpha/agents/orders/versions/1', undefined, keys.alphaRead);
    // Stored with the defaults of the fields it did not give (no MCP servers or skills, the runner's sandbox).
    expect(first.json.config).toEqual({ ...fullConfig, mcpServers: [], skills: [], sandbox: { egress: null, runtime: null } });
    expect((await call('GET', '/v1/tenants/alpha/agents/orders/versions/3', keys.alphaRead)).status).toBe(404);
    // The database refuses to change a stored version, whoever asks.
    await expect(
      pg.query(
        `UPDATE provisioning.agent_versions SET config = '{}' WHERE tenant_id = 'alpha' AND agent_id = 'orders'`,
      ),
    ).rejects.toThrow(/immutable/);
  });

  it('refuse a change without If-Match (428) or with a stale one (412), and store nothing', async () => {
    await ok('POST', '/v1/tenants/alpha/agents', { id: 'contested', config: { instructions: 'v1' } }, keys.alpha);
    const missing = await call('PATCH', '/v1/tenants/alpha/agents/contested', keys.alpha, {
      config: { instructions: 'x' },
    });
    expect(missing.status).toBe(428);
    expect(missing.type).toContain('application/problem+json');
    expect((await call('DELETE', '/v1/tenants/alpha/agents/contested', keys.alpha)).status).toBe(428);

    // Two admins read revision 1 and both change it: one wins, the other is told to read again.
    const both = await Promise.all(
      ['from admin one', 'from admin two'].map((instructions) =>
        call('PATCH', '/v1/tenants/alpha/agents/contested', keys.alpha, { config: { instructions } }, undefined, {
          'if-match': '"1"',
        }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 412]);
    const stale = both.find((r) => r.status === 412)!;
    expect(stale.json).toMatchObject({ status: 412, title: 'Precondition Failed' });
    const now = await ok('GET', '/v1/tenants/alpha/agents/contested', undefined, keys.alpha);
    expect(now.json).toMatchObject({
      version: 2,
      revision: 2,
      config: both.find((r) => r.status === 200)!.json.config,
    });
    expect(
      (await ok('GET', '/v1/tenants/alpha/agents/contested/versions', undefined, keys.alpha)).json.items,
    ).toHaveLength(2);

    expect(
      (
        await call('DELETE', '/v1/tenants/alpha/agents/contested', keys.alpha, undefined, undefined, {
          'if-match': '"1"',
        })
      ).status,
    ).toBe(412);
    expect(
      (await call('PATCH', '/v1/tenants/alpha/agents/contested', keys.alpha, {}, undefined, { 'if-match': 'three' }))
        .status,
    ).toBe(400);
    const deleted = await call('DELETE', '/v1/tenants/alpha/agents/contested', keys.alpha, undefined, undefined, {
      'if-match': now.headers.get('etag')!,
    });
    expect(deleted.status).toBe(200);
    expect((await call('GET', '/v1/tenants/alpha/agents/contested', keys.alpha)).status).toBe(404);
  });

  it('page by id with a cursor', async () => {
    await ok('POST', '/v1/tenants', { id: 'paging' });
    for (const id of ['c', 'a', 'e', 'b', 'd'])
      await ok('POST', '/v1/tenants/paging/agents', { id, config: { instructions: id } });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await ok('GET', `/v1/tenants/paging/agents?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...page.json.items.map((a: { id: string }) => a.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('every change', () => {
  it('is audited (who, what, when) and announced on the bus, and a failed one is neither', async () => {
    const user = (await ok('POST', '/v1/tenants/alpha/users', { displayName: 'Ann' }, keys.alpha)).json;
    await ok(
      'POST',
      `/v1/tenants/alpha/users/${user.id}/identities`,
      { channel: 'telegram', externalId: '4242' },
      keys.alpha,
    );
    await ok('PUT', `/v1/tenants/alpha/users/${user.id}/roles`, { role: 'owner' }, keys.alpha);
    // Refused: the identity is taken. Nothing is recorded for it.
    expect(
      (
        await call('POST', `/v1/tenants/alpha/users/${user.id}/identities`, keys.alpha, {
          channel: 'telegram',
          externalId: '4242',
        })
      ).status,
    ).toBe(409);

    const { rows } = await pg.query(
      `SELECT tenant_id, type, data FROM eventstore.events WHERE stream_id = $1 ORDER BY version`,
      [`audit-user-${user.id}`],
    );
    const me = (await ok('GET', '/v1/me', undefined, keys.alpha)).json;
    expect(rows.map((r) => [r.tenant_id, r.type, r.data.action, r.data.actor.keyId, r.data.tenantId])).toEqual([
      ['alpha', 'AuditRecorded', 'user.created', me.keyId, 'alpha'],
      ['alpha', 'AuditRecorded', 'identity.added', me.keyId, 'alpha'],
      ['alpha', 'AuditRecorded', 'role.granted', me.keyId, 'alpha'],
    ]);
    expect(rows[1].data.details).toEqual({ channel: 'telegram', externalId: '4242' });
    expect(Date.parse(rows[0].data.at)).toBeGreaterThan(Date.now() - 60_000);

    // Each committed change, and only those, was announced to routers and runners.
    const announced = async () =>
      (await bus.messages('EVENTS'))
        .filter((m) => m.subject === bus.topology.subjects.provisioningChanged('alpha'))
        .map((m) => ProvisioningChanged.envelope.parse(m.json()).data)
        .filter((d) => d.id === user.id);
    await eventually('the announcements', async () => (await announced()).length >= 3);
    expect(await announced()).toEqual([
      { kind: 'user', id: user.id },
      { kind: 'user', id: user.id },
      { kind: 'role', id: user.id },
    ]);
    // Published at once after the commit: no row waits in the outbox for the relay.
    await eventually('an empty outbox', async () => (await pg.query(`SELECT 1 FROM eventstore.outbox`)).rowCount === 0);
  });
});

describe("another tenant's ids (BOLA)", () => {
  const alpha: Record<string, string> = {};

  beforeAll(async () => {
    await ok(
      'POST',
      '/v1/tenants/alpha/agents',
      { id: 'secret', config: { instructions: 'ALPHA-ONLY instructions' } },
      keys.alpha,
    );
    alpha.group = (
      await ok('POST', '/v1/tenants/alpha/groups', { channel: 'http', chatId: 'alpha-room' }, keys.alpha)
    ).json.id;
    alpha.binding = (
      await ok(
        'POST',
        '/v1/tenants/alpha/bindings',
        { groupId: alpha.group, agentId: 'secret', engageMode: 'always' },
        keys.alpha,
      )
    ).json.id;
    alpha.user = (await ok('POST', '/v1/tenants/alpha/users', { displayName: 'ALPHA-ONLY user' }, keys.alpha)).json.id;
    alpha.channel = (
      await ok('POST', '/v1/tenants/alpha/channels', { kind: 'slack', name: 'ALPHA-ONLY bot' }, keys.alpha)
    ).json.id;
  });

  const paths = () => [
    `agents/secret`,
    `agents/secret/versions`,
    `agents/secret/versions/1`,
    `agents/secret/relationships`,
    `groups/${alpha.group}`,
    `bindings/${alpha.binding}`,
    `users/${alpha.user}`,
    `channels/${alpha.channel}`,
  ];

  it("answer 404 to beta's admin, under alpha's path or beta's own, for reads and changes alike", async () => {
    for (const p of paths()) {
      for (const tenant of ['alpha', 'beta']) {
        const read = await call('GET', `/v1/tenants/${tenant}/${p}`, keys.beta);
        expect([p, tenant, read.status]).toEqual([p, tenant, 404]);
        expect(read.text).not.toContain('ALPHA-ONLY');
      }
    }
    const changes: Array<[string, string, unknown]> = [
      ['PATCH', 'agents/secret', { name: 'stolen' }],
      ['DELETE', 'agents/secret', undefined],
      ['PATCH', `groups/${alpha.group}`, { name: 'stolen' }],
      ['DELETE', `groups/${alpha.group}`, undefined],
      ['PATCH', `bindings/${alpha.binding}`, { engageMode: 'mention' }],
      ['DELETE', `bindings/${alpha.binding}`, undefined],
      ['PATCH', `users/${alpha.user}`, { displayName: 'stolen' }],
      ['DELETE', `users/${alpha.user}`, undefined],
      ['POST', `users/${alpha.user}/identities`, { channel: 'http', externalId: 'mallory' }],
      ['PUT', `users/${alpha.user}/roles`, { role: 'owner' }],
      ['PATCH', `channels/${alpha.channel}`, { name: 'stolen' }],
      ['PUT', `channels/${alpha.channel}/credentials`, { credentials: 'theirs' }],
      ['DELETE', `channels/${alpha.channel}`, undefined],
      ['POST', 'agents/secret/relationships', { toAgentId: 'secret' }],
    ];
    for (const [method, p, body] of changes) {
      for (const tenant of ['alpha', 'beta']) {
        const res = await call(method, `/v1/tenants/${tenant}/${p}`, keys.beta, body, undefined, { 'if-match': '*' });
        expect([method, p, tenant, res.status]).toEqual([method, p, tenant, 404]);
      }
    }
    // Nothing of alpha's changed.
    expect((await ok('GET', '/v1/tenants/alpha/agents/secret', undefined, keys.alpha)).json).toMatchObject({
      name: 'secret',
      revision: 1,
    });
    expect((await ok('GET', `/v1/tenants/alpha/bindings/${alpha.binding}`, undefined, keys.alpha)).json).toMatchObject({
      engageMode: 'always',
      revision: 1,
    });
    const user = (await ok('GET', `/v1/tenants/alpha/users/${alpha.user}`, undefined, keys.alpha)).json;
    expect(user).toMatchObject({ displayName: 'ALPHA-ONLY user', identities: [], roles: [] });
    expect((await ok('GET', `/v1/tenants/alpha/channels/${alpha.channel}`, undefined, keys.alpha)).json).toMatchObject({
      hasCredentials: false,
    });
  });

  it("cannot point beta's rows at alpha's: a binding to alpha's group or agent, a role on alpha's agent", async () => {
    const betaGroup = (await ok('POST', '/v1/tenants/beta/groups', { channel: 'http', chatId: 'beta-room' }, keys.beta))
      .json.id;
    await ok('POST', '/v1/tenants/beta/agents', { id: 'mine', config: { instructions: 'beta' } }, keys.beta);
    const betaUser = (await ok('POST', '/v1/tenants/beta/users', {}, keys.beta)).json.id;
    const attempts: Array<[string, string, unknown]> = [
      ['POST', 'bindings', { groupId: alpha.group, agentId: 'mine', engageMode: 'always' }],
      ['POST', 'bindings', { groupId: betaGroup, agentId: 'secret', engageMode: 'always' }],
      ['PUT', `users/${betaUser}/roles`, { role: 'admin', agentId: 'secret' }],
      ['POST', 'agents/mine/relationships', { toAgentId: 'secret' }],
      ['POST', 'groups', { channel: 'slack', chatId: 'C1', channelId: alpha.channel }],
      ['PATCH', '', { defaultAgentId: 'secret' }],
    ];
    for (const [method, p, body] of attempts) {
      const res = await call(method, `/v1/tenants/beta/${p}`.replace(/\/$/, ''), keys.beta, body);
      expect([method, p, res.status >= 400 && res.status < 500, res.status === 404 || res.status === 400]).toEqual([
        method,
        p,
        true,
        true,
      ]);
      expect(res.text).not.toContain('ALPHA-ONLY');
    }
    expect((await ok('GET', '/v1/tenants/beta/bindings', undefined, keys.beta)).json.items).toEqual([]);
    expect((await ok('GET', `/v1/tenants/beta/users/${betaUser}`, undefined, keys.beta)).json.roles).toEqual([]);
    expect((await ok('GET', '/v1/tenants/beta/groups', undefined, keys.beta)).json.items).toHaveLength(1);
    expect((await ok('GET', '/v1/tenants/beta', undefined, keys.beta)).json.defaultAgentId).toBeNull();
  });

  it('answer 404 to guessed ids', async () => {
    for (const p of [
      `agents/guess`,
      `groups/${randomUUID()}`,
      `bindings/${randomUUID()}`,
      `users/${randomUUID()}`,
      `channels/${randomUUID()}`,
    ])
      expect([p, (await call('GET', `/v1/tenants/alpha/${p}`, keys.alpha)).status]).toEqual([p, 404]);
    expect((await call('GET', '/v1/tenants/nobody/agents', BOOTSTRAP)).status).toBe(404);
    expect(
      (await call('POST', '/v1/tenants/nobody/agents', BOOTSTRAP, { id: 'x', config: { instructions: 'x' } })).status,
    ).toBe(404);
  });
});

describe('fields a caller may not set (mass assignment)', () => {
  const refused: Array<[string, string, string, unknown, string]> = [
    ['an agent with its version', 'POST', 'agents', { id: 'm1', version: 7, config: { instructions: 'x' } }, 'version'],
    [
      'an agent with another tenant',
      'POST',
      'agents',
      { id: 'm2', tenantId: 'beta', config: { instructions: 'x' } },
      'tenantId',
    ],
    [
      'an agent with its revision',
      'POST',
      'agents',
      { id: 'm3', revision: 9, config: { instructions: 'x' } },
      'revision',
    ],
    [
      'a config field the model does not have',
      'POST',
      'agents',
      { id: 'm4', config: { instructions: 'x', sandbox: 'off' } },
      'sandbox',
    ],
    [
      'a model entry with a key',
      'POST',
      'agents',
      { id: 'm5', config: { instructions: 'x', models: [{ provider: 'openai', model: 'm', apiKey: 'sk' }] } },
      'apiKey',
    ],
    ['a channel with its key id', 'POST', 'channels', { kind: 'telegram', credentialsKeyId: 'k0' }, 'credentialsKeyId'],
    [
      'a channel with its creation time',
      'POST',
      'channels',
      { kind: 'telegram', createdAt: '2001-01-01T00:00:00Z' },
      'createdAt',
    ],
    ['a user with an id', 'POST', 'users', { id: randomUUID(), displayName: 'x' }, 'id'],
  ];

  it.each(refused)('%s: 400 naming it, nothing stored', async (_, method, p, body, field) => {
    const before = (await ok('GET', `/v1/tenants/alpha/${p}?limit=200`, undefined, keys.alpha)).json.items.length;
    const res = await call(method, `/v1/tenants/alpha/${p}`, keys.alpha, body);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(JSON.stringify(res.json.errors)).toContain(field);
    expect((await ok('GET', `/v1/tenants/alpha/${p}?limit=200`, undefined, keys.alpha)).json.items).toHaveLength(
      before,
    );
  });

  it("lets a tenant's admin rename the tenant but not disable it; a platform admin may", async () => {
    const refusal = await call('PATCH', '/v1/tenants/alpha', keys.alpha, { name: 'Alpha', enabled: false });
    expect(refusal.status).toBe(400);
    expect(refusal.json.errors).toEqual([{ path: 'enabled', message: expect.stringContaining('platform admin') }]);
    expect((await ok('GET', '/v1/tenants/alpha', undefined, keys.alpha)).json).toMatchObject({
      name: 'alpha',
      enabled: true,
    });
    await ok('POST', '/v1/tenants', { id: 'gamma' });
    expect((await ok('PATCH', '/v1/tenants/gamma', { enabled: false })).json).toMatchObject({
      enabled: false,
      revision: 2,
    });
  });

  it("keeps a binding's group and agent: a change may only say how it engages", async () => {
    const group = (await ok('POST', '/v1/tenants/alpha/groups', { channel: 'http', chatId: 'fixed' }, keys.alpha)).json
      .id;
    const binding = (
      await ok(
        'POST',
        '/v1/tenants/alpha/bindings',
        { groupId: group, agentId: 'orders', engageMode: 'mention' },
        keys.alpha,
      )
    ).json;
    for (const body of [{ agentId: 'secret' }, { groupId: randomUUID() }, { id: randomUUID() }])
      expect((await call('PATCH', `/v1/tenants/alpha/bindings/${binding.id}`, keys.alpha, body)).status).toBe(400);
    expect((await ok('GET', `/v1/tenants/alpha/bindings/${binding.id}`, undefined, keys.alpha)).json).toEqual(binding);
  });
});

describe('bad input', () => {
  let group: string;
  beforeAll(async () => {
    group = (await ok('POST', '/v1/tenants/alpha/groups', { channel: 'http', chatId: 'patterns' }, keys.alpha)).json.id;
  });
  const binding = (pattern: unknown, engageMode = 'pattern') => ({
    body: { groupId: '$group', agentId: 'orders', engageMode, pattern },
  });

  // Every row has five entries: a shorter one would make Jest pass \`done\` as the last argument.
  const cases: Array<[string, string, { body?: unknown; raw?: string }, number, string | undefined]> = [
    ['malformed JSON', 'agents', { raw: '{"id": "x", "config": {' }, 400, undefined],
    [
      'a wrong type',
      'agents',
      { body: { id: 'x', config: { instructions: 'x', maxRounds: 'many' } } },
      400,
      'config.maxRounds',
    ],
    [
      'an out-of-range number',
      'agents',
      { body: { id: 'x', config: { instructions: 'x', maxRounds: 100_000 } } },
      400,
      'config.maxRounds',
    ],
    [
      'an unknown provider',
      'agents',
      { body: { id: 'x', config: { instructions: 'x', models: [{ provider: 'acme-ai', model: 'm' }] } } },
      400,
      'config.models.0.provider',
    ],
    ['an invalid agent id', 'agents', { body: { id: 'a b', config: { instructions: 'x' } } }, 400, 'id'],
    [
      'a huge body',
      'agents',
      { raw: JSON.stringify({ id: 'x', config: { instructions: 'x'.repeat(1_000_000) } }) },
      413,
      undefined,
    ],
    [
      'instructions over the limit',
      'agents',
      { body: { id: 'x', config: { instructions: 'x'.repeat(100_001) } } },
      400,
      'config.instructions',
    ],
    ['NUL in a name', 'agents', { body: { id: 'x', name: 'a\u0000b', config: { instructions: 'x' } } }, 400, 'name'],
    ['an unknown channel kind', 'channels', { body: { kind: 'carrier-pigeon' } }, 400, 'kind'],
    [
      'credentials that are not text',
      'channels',
      { body: { kind: 'telegram', credentials: { token: 'x' } } },
      400,
      'credentials',
    ],
    ['a pattern that does not parse', 'bindings', binding('(unclosed'), 400, 'pattern'],
    ['a backreference (not linear)', 'bindings', binding('(a)\\1'), 400, 'pattern'],
    ['a lookahead (not linear)', 'bindings', binding('(?=admin)'), 400, 'pattern'],
    ['a pattern too large to run fast', 'bindings', binding('(.*){1000}'), 400, 'pattern'],
    ['a pattern too long', 'bindings', binding('a'.repeat(501)), 400, 'pattern'],
    ['a pattern for another engage mode', 'bindings', binding('^hi', 'always'), 400, 'pattern'],
    ['pattern mode without a pattern', 'bindings', binding(null), 400, 'pattern'],
    ['an unknown engage mode', 'bindings', binding(null, 'sometimes'), 400, 'engageMode'],
    [
      'a group id that is not a UUID',
      'bindings',
      { body: { groupId: 'room', agentId: 'orders', engageMode: 'always' } },
      400,
      'groupId',
    ],
  ];

  it.each(cases)('%s (%s): a problem, nothing stored', async (_, p, input, status, field) => {
    const body = input.body && JSON.parse(JSON.stringify(input.body).replace('$group', group));
    const before = (await ok('GET', `/v1/tenants/alpha/${p}?limit=200`, undefined, keys.alpha)).json.items.length;
    const res = await call('POST', `/v1/tenants/alpha/${p}`, keys.alpha, body, input.raw);
    expect(res.status).toBe(status);
    expect(res.type).toContain('application/problem+json');
    const named: string[] = (res.json?.errors ?? []).map((e: { path: string }) => e.path);
    expect(field === undefined || named.includes(field) ? 'named' : named).toBe('named');
    expect((await ok('GET', `/v1/tenants/alpha/${p}?limit=200`, undefined, keys.alpha)).json.items).toHaveLength(
      before,
    );
  });

  it('accepts a pattern that would be catastrophic for a backtracking engine: RE2 runs it in linear time', async () => {
    const res = await call('POST', '/v1/tenants/alpha/bindings', keys.alpha, {
      groupId: group,
      agentId: 'orders',
      engageMode: 'pattern',
      pattern: '(a+)+$',
    });
    expect(res.status).toBe(201);
    // A change to a pattern is checked the same way.
    const changed = await call('PATCH', `/v1/tenants/alpha/bindings/${res.json.id}`, keys.alpha, {
      pattern: '(?<=x)y',
    });
    expect(changed.status).toBe(400);
    expect((await ok('GET', `/v1/tenants/alpha/bindings/${res.json.id}`, undefined, keys.alpha)).json.pattern).toBe(
      '(a+)+$',
    );
  });

  it('answers 400 for ids of the wrong form in the path and the query', async () => {
    for (const url of [
      'agents/a%20b',
      'groups/not-a-uuid',
      'bindings/1',
      'users/x',
      'channels/y',
      'agents/orders/versions/0',
      'agents/orders/versions/x',
      'bindings?groupId=room',
      'agents?cursor=bogus',
    ])
      expect([url, (await call('GET', `/v1/tenants/alpha/${url}`, keys.alpha)).status]).toEqual([url, 400]);
  });
});

describe('channel credentials', () => {
  it('are sealed at rest and never answered; a rotation replaces them', async () => {
    const token = `bot-token-${randomUUID()}`;
    const created = await ok(
      'POST',
      '/v1/tenants/alpha/channels',
      { kind: 'telegram', name: 'support bot', credentials: token },
      keys.alpha,
    );
    expect(created.json).toMatchObject({
      hasCredentials: true,
      credentialsKeyId: 'k1',
      credentialsSetAt: expect.any(String),
    });
    expect(created.text).not.toContain(token);
    const { rows } = await pg.query(`SELECT credentials FROM provisioning.channels WHERE id = $1`, [created.json.id]);
    expect(Buffer.from(rows[0].credentials).toString('utf8')).not.toContain(token);
    expect(Buffer.from(rows[0].credentials).toString('latin1')).not.toContain(token);

    const rotated = await ok(
      'PUT',
      `/v1/tenants/alpha/channels/${created.json.id}/credentials`,
      { credentials: `${token}-2` },
      keys.alpha,
      {
        'if-match': created.headers.get('etag')!,
      },
    );
    expect(rotated.json.revision).toBe(2);
    expect(Date.parse(rotated.json.credentialsSetAt)).toBeGreaterThanOrEqual(Date.parse(created.json.credentialsSetAt));
    const after = await pg.query(`SELECT credentials FROM provisioning.channels WHERE id = $1`, [created.json.id]);
    expect(Buffer.compare(after.rows[0].credentials, rows[0].credentials)).not.toBe(0);
    for (const res of [
      rotated,
      await ok('GET', `/v1/tenants/alpha/channels/${created.json.id}`, undefined, keys.alpha),
      await ok('GET', '/v1/tenants/alpha/channels', undefined, keys.alpha),
    ])
      expect(res.text).not.toContain(token);
  });
});

describe('the admin CLI', () => {
  it('creates a tenant, an agent, a channel, a binding and a user over the REST API', () => {
    expect(cli(['--json', 'tenants', 'create', '--id', 'clitenant', '--name', 'CLI'])).toMatchObject({
      code: 0,
      out: { id: 'clitenant', name: 'CLI' },
    });
    expect(cli(['--json', 'tenants', 'list']).out.items.map((t: { id: string }) => t.id)).toContain('clitenant');
    const agent = cli([
      '--json',
      'agents',
      'create',
      '--tenant',
      'clitenant',
      '--id',
      'helper',
      '--instructions',
      'Help.',
      '--models',
      'openai:gpt-4o-mini,anthropic:claude-haiku-4-5',
      '--max-rounds',
      '4',
      '--queue-mode',
      'steer',
    ]);
    expect(agent).toMatchObject({
      code: 0,
      out: {
        id: 'helper',
        version: 1,
        config: {
          instructions: 'Help.',
          maxRounds: 4,
          queueMode: 'steer',
          models: [
            { provider: 'openai', model: 'gpt-4o-mini' },
            { provider: 'anthropic', model: 'claude-haiku-4-5' },
          ],
        },
      },
    });
    expect(
      cli(['--json', 'agents', 'update', '--tenant', 'clitenant', '--id', 'helper', '--instructions', 'Help more.'])
        .out,
    ).toMatchObject({
      version: 2,
      config: { instructions: 'Help more.', maxRounds: 4, queueMode: 'steer' },
    });
    expect(
      cli(['--json', 'agents', 'show', '--tenant', 'clitenant', '--id', 'helper', '--version', '1']).out.config
        .instructions,
    ).toBe('Help.');
    expect(cli(['agents', 'list', '--tenant', 'clitenant'])).toMatchObject({
      code: 0,
      text: expect.stringContaining('id=helper'),
    });

    const secret = `cli-secret-${randomUUID()}`;
    const channel = cli(
      ['--json', 'channels', 'create', '--tenant', 'clitenant', '--kind', 'telegram', '--credentials-env', 'BOT_TOKEN'],
      { BOT_TOKEN: secret },
    );
    expect(channel).toMatchObject({ code: 0, out: { kind: 'telegram', hasCredentials: true } });
    expect(channel.text).not.toContain(secret);
    expect(
      cli(['channels', 'create', '--tenant', 'clitenant', '--kind', 'telegram', '--credentials', secret]),
    ).toMatchObject({
      code: 2,
      out: expect.stringContaining('never taken from the command line'),
    });

    const binding = cli([
      '--json',
      'bindings',
      'create',
      '--tenant',
      'clitenant',
      '--agent',
      'helper',
      '--channel',
      'http',
      '--chat',
      'lobby',
      '--engage',
      'pattern',
      '--pattern',
      '^help',
    ]);
    expect(binding).toMatchObject({
      code: 0,
      out: { agentId: 'helper', engageMode: 'pattern', pattern: '^help', group: { channel: 'http', chatId: 'lobby' } },
    });
    const user = cli([
      '--json',
      'users',
      'create',
      '--tenant',
      'clitenant',
      '--name',
      'Olga',
      '--identity',
      'http:olga',
      '--role',
      'owner',
    ]);
    expect(user).toMatchObject({
      code: 0,
      out: {
        displayName: 'Olga',
        identities: [{ channel: 'http', externalId: 'olga' }],
        roles: [{ role: 'owner', agentId: null }],
      },
    });
  });

  it('says what the API refused, naming the field', () => {
    expect(
      cli([
        'bindings',
        'create',
        '--tenant',
        'clitenant',
        '--agent',
        'helper',
        '--channel',
        'http',
        '--chat',
        'bad',
        '--pattern',
        '(a)\\1',
      ]),
    ).toMatchObject({
      code: 1,
      out: expect.stringMatching(/400 .*pattern: invalid engage pattern/),
    });
    expect(cli(['agents', 'update', '--tenant', 'clitenant', '--id', 'helper'])).toMatchObject({
      code: 2,
      out: expect.stringContaining('at least one field'),
    });
    expect(cli(['agents', 'show', '--tenant', 'clitenant', '--id', 'nobody'])).toMatchObject({
      code: 1,
      out: expect.stringContaining('404'),
    });
  });
});
