import {
  createTestDatabase,
  launchPlatform,
  TEST_NATS_URL,
  uniqueNamespace,
  type Platform,
  type TestDatabase,
} from '@clawfleet/testing';
import { createDataSource } from '@clawfleet/platform';
import { PairingRepository, provisioningEntities, ProvisioningRepository } from '@clawfleet/provisioning';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { openBusProbe, type BusProbe } from './support/bus-probe';
import { provisioningMatrix, type MatrixRoute, type MatrixWho } from './support/provisioning-matrix';

const BOOTSTRAP = 'bootstrap-key-for-the-admin-api-spec-0123456789';
const DOC_FILE = path.join(__dirname, '../../../docs/openapi.json');
const CLIENT_TYPES_FILE = path.join(__dirname, 'support/admin-api.generated.ts');

let db: TestDatabase;
let platform: Platform;
let api: string;
let bus: BusProbe;
/** The provisioning model of the spec's database (admin-api migrated it), where routers put pairings. */
let pg: DataSource;
let pairings: PairingRepository;

/** What the router does for an unknown sender under a `pair` binding: a pending pairing (and its code). */
async function offerPairing(tenantId: string, senderId: string, ttlMs = 3_600_000) {
  await new ProvisioningRepository(pg).ensureTenant(tenantId);
  const offered = await pairings.offer(tenantId, {
    channel: 'http',
    senderId,
    displayName: `The ${senderId}`,
    chatId: 'lobby',
    messageKey: `http:lobby#${senderId}-${Math.random()}`,
    now: new Date(),
    ttlMs,
    intervalMs: 0,
    maxPending: 1_000,
  });
  if (offered.kind !== 'offered') throw new Error(`no offer: ${offered.kind}`);
  return offered;
}

async function call(
  method: string,
  url: string,
  key?: string | null,
  body?: unknown,
  raw?: string,
  extra: Record<string, string> = {},
) {
  const headers: Record<string, string> = { ...extra };
  if (key) headers['authorization'] = key.startsWith('Bearer ') || key.startsWith('Basic ') ? key : `Bearer ${key}`;
  if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${api}${url}`, {
    method,
    headers,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the spec reads whatever came back
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, type: res.headers.get('content-type') ?? '', headers: res.headers };
}

/** Resolves once the key is refused (401), polling; rejects after `withinMs`. */
async function untilRefused(key: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while ((await call('GET', '/v1/me', key)).status !== 401) {
    if (Date.now() > deadline) throw new Error(`key still accepted after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function createKey(tenant: string, body: Record<string, unknown>, as = BOOTSTRAP) {
  const res = await call('POST', `/v1/tenants/${tenant}/keys`, as, body);
  expect(res.status).toBe(201);
  return res.json as { id: string; key: string; prefix: string };
}

/** Runs SQL on the spec's database: records the other services would write, seeded for the admin API to read. */
async function sql(text: string, params: unknown[] = []) {
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    return (await pg.query(text, params)).rows;
  } finally {
    await pg.end();
  }
}

/** A session in session-runner's index, as its runner would have written it. */
async function seedSession(tenantId: string, over: { status?: string; turnId?: string | null; chatId?: string } = {}) {
  const id = randomUUID();
  await sql(
    `INSERT INTO runner.sessions (session_id, tenant_id, agent_id, channel, chat_id, status, turn_id, version)
     VALUES ($1, $2, 'default', 'http', $3, $4, $5, 3)`,
    [id, tenantId, over.chatId ?? `chat-${id.slice(0, 8)}`, over.status ?? 'idle', over.turnId ?? null],
  );
  return id;
}

/** A session session-runner parked after its runs failed. */
async function seedParked(tenantId: string) {
  const id = await seedSession(tenantId);
  await sql(
    `INSERT INTO runner.session_work (stream_id, tenant_id, failures, last_error, parked_at) VALUES ($1, $2, 5, 'TypeError: boom', now())`,
    [`session-${id}`, tenantId],
  );
  return id;
}

/** A dead letter, as a consumer writes one. */
async function seedDeadLetter(subject: string, payload: string, reason = 'invalid turn.requested event') {
  const h = natsHeaders();
  h.set('Clawfleet-Dlq-Subject', `${bus.topology.namespace}.${subject}`);
  h.set('Clawfleet-Dlq-Reason', reason);
  h.set('Clawfleet-Dlq-Consumer', 'session-runner');
  h.set('Clawfleet-Dlq-Deliveries', '1');
  const ack = await bus.js.publish(bus.topology.subjects.deadLetter(`${bus.topology.namespace}.${subject}`), payload, {
    headers: h,
  });
  return ack.seq;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const namespace = uniqueNamespace('a');
  bus = await openBusProbe(TEST_NATS_URL, namespace);
  platform = await launchPlatform({
    databaseUrl: db.url,
    namespace,
    natsUrl: TEST_NATS_URL,
    model: { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', name: 'unused' },
    apps: ['admin-api'],
    appEnv: {
      'admin-api': {
        ADMIN_BOOTSTRAP_KEY: BOOTSTRAP,
        AUTH_KEY_CACHE_MS: '200',
        CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        RATE_LIMIT_PER_IP: '100000',
      },
    },
  });
  api = platform.url('admin-api');
  pg = createDataSource({
    url: db.url,
    poolSize: 2,
    applicationName: 'admin-spec',
    migrations: [],
    entities: provisioningEntities,
  });
  await pg.initialize();
  pairings = new PairingRepository(pg);
});
afterAll(async () => {
  await pg?.destroy();
  await platform?.stop();
  await bus?.close();
  await db?.drop();
});

describe('the authorization matrix of every admin route', () => {
  let keys: Record<string, string | null>;
  let acmeKeyId: string;
  let platformKeyId: string;
  let toApprove: string;
  let toReject: string;
  let sessionId: string;
  let parkedId: string;
  let deadSeq: number;

  beforeAll(async () => {
    const platformKey = (await call('POST', '/v1/platform/keys', BOOTSTRAP, { name: 'ops' })).json;
    const admin = await createKey('acme', { scope: 'tenant:admin', name: 'admin' });
    const read = await createKey('acme', { scope: 'tenant:read', name: 'read' });
    const client = await createKey('acme', { scope: 'channel:client', name: 'app', userId: 'alice' });
    const globex = await createKey('globex', { scope: 'tenant:admin', name: 'theirs' });
    const revoked = await createKey('acme', { scope: 'tenant:admin', name: 'revoked' });
    expect((await call('DELETE', `/v1/tenants/acme/keys/${revoked.id}`, BOOTSTRAP)).status).toBe(200);
    const expiring = await createKey('acme', {
      scope: 'tenant:admin',
      name: 'expiring',
      expiresAt: new Date(Date.now() + 1_500).toISOString(),
    });
    acmeKeyId = (await createKey('acme', { scope: 'tenant:read', name: 'victim' })).id;
    await provisioning.setup();
    platformKeyId = (await call('POST', '/v1/platform/keys', BOOTSTRAP, { name: 'victim' })).json.id;
    toApprove = (await offerPairing('acme', 'matrix-approve')).pairingId;
    toReject = (await offerPairing('acme', 'matrix-reject')).pairingId;
    sessionId = await seedSession('acme', { status: 'running', turnId: randomUUID() });
    parkedId = await seedParked('acme');
    await sql(
      `INSERT INTO router.inbound_outcomes (tenant_id, message_key, outcome, decisions) VALUES ('acme', 'http:matrix#m1', 'ignored', '[]')`,
    );
    deadSeq = await seedDeadLetter('turn.requested.acme.x', '{"not":"an envelope"}');
    await untilRefused(expiring.key, 5_000);
    keys = {
      none: null,
      malformed: 'Bearer not-a-key',
      basic: `Basic ${Buffer.from(`x:${admin.key}`).toString('base64')}`,
      wrong: `cf_abcdefghijkm_${'A'.repeat(43)}`,
      expired: expiring.key,
      revoked: revoked.key,
      readOnly: read.key,
      channelClient: client.key,
      otherTenantAdmin: globex.key,
      right: admin.key,
      platform: platformKey.key,
    };
  });

  type Who =
    | 'none'
    | 'malformed'
    | 'basic'
    | 'wrong'
    | 'expired'
    | 'revoked'
    | 'readOnly'
    | 'channelClient'
    | 'otherTenantAdmin'
    | 'right'
    | 'platform';
  const unauthenticated: Who[] = ['none', 'malformed', 'basic', 'wrong', 'expired', 'revoked'];
  // route → status per principal that holds a valid key (unauthenticated ones always get 401)
  const provisioning = provisioningMatrix(call, BOOTSTRAP, 'acme');
  const routes: MatrixRoute[] = [
    ...provisioning.routes,
    {
      method: 'GET',
      doc: '/v1/me',
      url: () => '/v1/me',
      expect: { readOnly: 200, channelClient: 200, otherTenantAdmin: 200, right: 200, platform: 200 },
    },
    {
      method: 'GET',
      doc: '/v1/tenants/{tenantId}/keys',
      url: () => '/v1/tenants/acme/keys',
      expect: { readOnly: 200, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 },
    },
    {
      method: 'POST',
      doc: '/v1/tenants/{tenantId}/keys',
      url: () => '/v1/tenants/acme/keys',
      body: { scope: 'tenant:read', name: 'm' },
      expect: { readOnly: 403, channelClient: 404, otherTenantAdmin: 404, right: 201, platform: 201 },
    },
    {
      method: 'GET',
      doc: '/v1/tenants/{tenantId}/keys/{keyId}',
      url: () => `/v1/tenants/acme/keys/${acmeKeyId}`,
      expect: { readOnly: 200, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 },
    },
    {
      method: 'DELETE',
      doc: '/v1/tenants/{tenantId}/keys/{keyId}',
      url: () => `/v1/tenants/acme/keys/${acmeKeyId}`,
      expect: { readOnly: 403, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 },
    },
    {
      method: 'GET',
      doc: '/v1/tenants/{tenantId}/pairings',
      url: () => '/v1/tenants/acme/pairings',
      expect: { readOnly: 200, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 },
    },
    {
      method: 'POST',
      doc: '/v1/tenants/{tenantId}/pairings/{pairingId}/approve',
      url: () => `/v1/tenants/acme/pairings/${toApprove}/approve`,
      // The right key approves; the platform's, after it, gets the approved pairing unchanged.
      expect: { readOnly: 403, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 },
    },
    {
      method: 'POST',
      doc: '/v1/tenants/{tenantId}/pairings/{pairingId}/reject',
      url: () => `/v1/tenants/acme/pairings/${toReject}/reject`,
      expect: { readOnly: 403, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 },
    },
    {
      method: 'GET',
      doc: '/v1/platform/keys',
      url: () => '/v1/platform/keys',
      expect: { readOnly: 403, channelClient: 403, otherTenantAdmin: 403, right: 403, platform: 200 },
    },
    {
      method: 'POST',
      doc: '/v1/platform/keys',
      url: () => '/v1/platform/keys',
      body: { name: 'm' },
      expect: { readOnly: 403, channelClient: 403, otherTenantAdmin: 403, right: 403, platform: 201 },
    },
    {
      method: 'DELETE',
      doc: '/v1/platform/keys/{keyId}',
      url: () => `/v1/platform/keys/${platformKeyId}`,
      expect: { readOnly: 403, channelClient: 403, otherTenantAdmin: 403, right: 403, platform: 200 },
    },
    ...[
      ['/v1/tenants/{tenantId}/sessions', () => '/v1/tenants/acme/sessions?status=running'],
      ['/v1/tenants/{tenantId}/sessions/{sessionId}', () => `/v1/tenants/acme/sessions/${sessionId}`],
      ['/v1/tenants/{tenantId}/sessions/{sessionId}/events', () => `/v1/tenants/acme/sessions/${sessionId}/events`],
      [
        '/v1/tenants/{tenantId}/messages/{messageId}/outcome',
        () => '/v1/tenants/acme/messages/m1/outcome?channel=http&chatId=matrix',
      ],
      ['/v1/tenants/{tenantId}/usage', () => '/v1/tenants/acme/usage'],
      ['/v1/tenants/{tenantId}/delivery-failures', () => '/v1/tenants/acme/delivery-failures'],
      ['/v1/tenants/{tenantId}/parked-sessions', () => '/v1/tenants/acme/parked-sessions'],
    ].map(([doc, url]) => ({
      method: 'GET',
      doc: doc as string,
      url: url as () => string,
      expect: { readOnly: 200, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 },
    })),
    {
      method: 'POST',
      doc: '/v1/tenants/{tenantId}/sessions/{sessionId}/cancel',
      url: () => `/v1/tenants/acme/sessions/${sessionId}/cancel`,
      expect: { readOnly: 403, channelClient: 404, otherTenantAdmin: 404, right: 202, platform: 202 },
    },
    {
      method: 'POST',
      doc: '/v1/tenants/{tenantId}/sessions/{sessionId}/messages',
      url: () => `/v1/tenants/acme/sessions/${sessionId}/messages`,
      body: { text: 'an operator writes' },
      expect: { readOnly: 403, channelClient: 404, otherTenantAdmin: 404, right: 202, platform: 202 },
    },
    {
      method: 'POST',
      doc: '/v1/tenants/{tenantId}/parked-sessions/{sessionId}/release',
      url: () => `/v1/tenants/acme/parked-sessions/${parkedId}/release`,
      expect: { readOnly: 403, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 },
    },
    {
      method: 'GET',
      doc: '/v1/platform/dead-letters',
      url: () => '/v1/platform/dead-letters',
      expect: { readOnly: 403, channelClient: 403, otherTenantAdmin: 403, right: 403, platform: 200 },
    },
    {
      method: 'POST',
      doc: '/v1/platform/dead-letters/redrive',
      url: () => '/v1/platform/dead-letters/redrive',
      body: { subject: 'nothing.here.>' },
      expect: { readOnly: 403, channelClient: 403, otherTenantAdmin: 403, right: 403, platform: 200 },
    },
    {
      method: 'POST',
      doc: '/v1/platform/dead-letters/{seq}/redrive',
      url: () => `/v1/platform/dead-letters/${deadSeq}/redrive`,
      expect: { readOnly: 403, channelClient: 403, otherTenantAdmin: 403, right: 403, platform: 200 },
    },
  ];

  it('covers every route the API describes', async () => {
    const doc = (await call('GET', '/openapi.json')).json;
    // The probes are the guard's only exceptions (they need no key); everything else is in the matrix.
    const described = Object.entries(doc.paths as Record<string, object>)
      .filter(([p]) => p !== '/healthz' && p !== '/readyz')
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(described.sort()).toEqual(routes.map((r) => `${r.method} ${r.doc}`).sort());
  });

  it.each(routes.map((r) => [`${r.method} ${r.doc}`, r] as const))('%s', async (_, route) => {
    const seen: Record<string, string> = {};
    const wanted: Record<string, string> = {};
    for (const who of Object.keys(keys) as Who[]) {
      await route.prepare?.();
      const res = await call(route.method, route.url(), keys[who], route.body, undefined, route.headers?.());
      // Each answer with what an error must carry: a problem document, and a challenge on 401.
      const problem = res.status >= 400 ? (res.type.includes('application/problem+json') ? ' problem' : ' plain') : '';
      const challenge =
        res.status === 401 ? (res.headers.get('www-authenticate')?.includes('Bearer') ? ' challenge' : ' none') : '';
      seen[who] = `${res.status}${problem}${challenge}`;
      const status = unauthenticated.includes(who) ? 401 : route.expect[who as MatrixWho]!;
      wanted[who] = `${status}${status >= 400 ? ' problem' : ''}${status === 401 ? ' challenge' : ''}`;
    }
    expect(seen).toEqual(wanted);
  });
});

describe('keys', () => {
  it('shows a key once, never its hash, and finds it by its prefix only', async () => {
    const created = await createKey('initech', { scope: 'tenant:read', name: 'shown once' });
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    const got = await call('GET', `/v1/tenants/initech/keys/${created.id}`, BOOTSTRAP);
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.json)).not.toContain(created.key.slice(created.prefix.length + 1));
    expect(got.json).not.toHaveProperty('key');
    expect(got.json).not.toHaveProperty('hash');
    const listed = await call('GET', '/v1/tenants/initech/keys', BOOTSTRAP);
    expect(JSON.stringify(listed.json)).not.toContain(created.key);
  });

  it('stops working within a second of being revoked', async () => {
    const created = await createKey('initech', { scope: 'tenant:admin', name: 'soon revoked' });
    expect((await call('GET', '/v1/me', created.key)).status).toBe(200);
    expect((await call('DELETE', `/v1/tenants/initech/keys/${created.id}`, BOOTSTRAP)).json.revokedAt).toBeTruthy();
    const started = Date.now();
    await untilRefused(created.key, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('records who created and revoked it in the audit trail, and never the key', async () => {
    const created = await createKey('hooli', { scope: 'channel:client', name: 'audited', userId: 'gavin' });
    await call('DELETE', `/v1/tenants/hooli/keys/${created.id}`, BOOTSTRAP);
    await call('DELETE', `/v1/tenants/hooli/keys/${created.id}`, BOOTSTRAP); // again: no second event
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const { rows } = await pg.query(
        `SELECT tenant_id, data FROM eventstore.events WHERE stream_id = $1 ORDER BY version`,
        [`audit-key-${created.id}`],
      );
      expect(rows.map((r) => [r.tenant_id, r.data.action, r.data.actor.keyId])).toEqual([
        ['hooli', 'key.created', 'bootstrap'],
        ['hooli', 'key.revoked', 'bootstrap'],
      ]);
      const all = await pg.query(`SELECT data::text AS d FROM eventstore.events`);
      expect(all.rows.some((r) => r.d.includes(created.key))).toBe(false);
    } finally {
      await pg.end();
    }
  });

  it('pages with a cursor, and refuses a cursor it did not give out', async () => {
    for (let i = 0; i < 5; i++) await createKey('paged', { scope: 'tenant:read', name: `k${i}` });
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', `/v1/tenants/paged/keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`, BOOTSTRAP);
      expect(page.status).toBe(200);
      names.push(...page.json.items.map((k: { name: string }) => k.name));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(names).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect((await call('GET', '/v1/tenants/paged/keys?cursor=bogus', BOOTSTRAP)).status).toBe(400);
    expect((await call('GET', '/v1/tenants/paged/keys?limit=100000', BOOTSTRAP)).status).toBe(400);
  });
});

describe('pairings', () => {
  const audit = async (id: string) =>
    (
      await pg.query(`SELECT tenant_id, data FROM eventstore.events WHERE stream_id = $1 ORDER BY version`, [
        `audit-pairing-${id}`,
      ])
    ).map((r: { tenant_id: string; data: { action: string; actor: { keyId: string } } }) => [
      r.tenant_id,
      r.data.action,
      r.data.actor.keyId,
    ]);

  it('lists pending pairings without their codes; approving makes the sender a member, once, audited', async () => {
    const offered = await offerPairing('pairco', 'newcomer');
    const listed = await call('GET', '/v1/tenants/pairco/pairings?status=pending', BOOTSTRAP);
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      expect.objectContaining({
        id: offered.pairingId,
        channel: 'http',
        senderId: 'newcomer',
        status: 'pending',
        expired: false,
      }),
    ]);
    expect(JSON.stringify(listed.json)).not.toContain(offered.code.replace('-', ''));
    expect(JSON.stringify(listed.json)).not.toContain(offered.code);

    const approved = await call('POST', `/v1/tenants/pairco/pairings/${offered.pairingId}/approve`, BOOTSTRAP);
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: 'approved', decidedBy: 'key:bootstrap', userId: expect.any(String) });
    const again = await call('POST', `/v1/tenants/pairco/pairings/${offered.pairingId}/approve`, BOOTSTRAP);
    expect(again.json).toEqual(approved.json);
    const [identity] = await pg.query(
      `SELECT i.user_id, r.role FROM provisioning.channel_identities i
       JOIN provisioning.roles r ON r.tenant_id = i.tenant_id AND r.user_id = i.user_id
       WHERE i.tenant_id = 'pairco' AND i.channel = 'http' AND i.external_id = 'newcomer'`,
    );
    expect(identity).toEqual({ user_id: approved.json.userId, role: 'member' });
    expect(await audit(offered.pairingId)).toEqual([['pairco', 'pairing.approved', 'bootstrap']]);
    // Announced once, through the outbox, on the tenant's provisioning.changed subject (EVENTS).
    const announced = (await bus.messages('EVENTS'))
      .filter((m) => m.subject === bus.topology.subjects.provisioningChanged('pairco'))
      .map((m) => JSON.parse(new TextDecoder().decode(m.data)).data);
    expect(announced).toEqual([{ kind: 'pairing', id: offered.pairingId }]);
    // Decided: rejecting it now is a conflict, and changes nothing.
    const reject = await call('POST', `/v1/tenants/pairco/pairings/${offered.pairingId}/reject`, BOOTSTRAP);
    expect(reject).toMatchObject({ status: 409, type: expect.stringContaining('application/problem+json') });
    expect((await call('GET', '/v1/tenants/pairco/pairings?status=approved', BOOTSTRAP)).json.items).toHaveLength(1);
  });

  it('a rejected or expired pairing cannot be approved; another tenant’s pairing is not found', async () => {
    const rejected = await offerPairing('pairco', 'pest');
    expect(
      (await call('POST', `/v1/tenants/pairco/pairings/${rejected.pairingId}/reject`, BOOTSTRAP)).json,
    ).toMatchObject({
      status: 'rejected',
    });
    expect((await call('POST', `/v1/tenants/pairco/pairings/${rejected.pairingId}/approve`, BOOTSTRAP)).status).toBe(
      409,
    );

    const expired = await offerPairing('pairco', 'late', 10);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = await call('POST', `/v1/tenants/pairco/pairings/${expired.pairingId}/approve`, BOOTSTRAP);
    expect(late).toMatchObject({ status: 409, json: { detail: expect.stringContaining('expired') } });

    const theirs = await offerPairing('otherco', 'stranger');
    const ours = await createKey('pairco', { scope: 'tenant:admin', name: 'pairco admin' });
    expect((await call('POST', `/v1/tenants/pairco/pairings/${theirs.pairingId}/approve`, ours.key)).status).toBe(404);
    expect((await call('POST', `/v1/tenants/otherco/pairings/${theirs.pairingId}/approve`, ours.key)).status).toBe(404);
    expect((await pairings.get('otherco', theirs.pairingId))?.status).toBe('pending');
  });

  it('refuses a pairing id that is no UUID and a status it does not know', async () => {
    expect((await call('POST', '/v1/tenants/pairco/pairings/not-a-uuid/approve', BOOTSTRAP)).status).toBe(400);
    expect((await call('GET', '/v1/tenants/pairco/pairings?status=maybe', BOOTSTRAP)).status).toBe(400);
    expect((await call('GET', '/v1/tenants/pairco/pairings?cursor=bogus', BOOTSTRAP)).status).toBe(400);
  });
});

describe('bad input', () => {
  const bad: Array<[string, { body?: unknown; raw?: string }, number]> = [
    ['malformed JSON', { raw: '{"scope":' }, 400],
    ['a wrong type', { body: { scope: 'tenant:read', name: 42 } }, 400],
    ['an unknown field', { body: { scope: 'tenant:read', name: 'x', tenantId: 'globex' } }, 400],
    ['a scope above what a tenant key may have', { body: { scope: 'platform:admin', name: 'x' } }, 400],
    ['a channel client without its user', { body: { scope: 'channel:client', name: 'x' } }, 400],
    ['an expiry in the past', { body: { scope: 'tenant:read', name: 'x', expiresAt: '2001-01-01T00:00:00Z' } }, 400],
    ['a huge body', { raw: JSON.stringify({ scope: 'tenant:read', name: 'x'.repeat(1_000_000) }) }, 413],
    ['NUL in a name', { body: { scope: 'tenant:read', name: 'a\u0000b' } }, 400],
  ];

  it.each(bad)('%s: a problem, nothing stored', async (_, input, status) => {
    const tenant = `bad${Math.random().toString(36).slice(2, 8)}`;
    const res = await call('POST', `/v1/tenants/${tenant}/keys`, BOOTSTRAP, input.body, input.raw);
    expect(res.status).toBe(status);
    expect(res.type).toContain('application/problem+json');
    expect((await call('GET', `/v1/tenants/${tenant}/keys`, BOOTSTRAP)).json.items).toEqual([]);
  });

  it("answers 400 for an invalid tenant id or key id, and 404 for another tenant's key", async () => {
    expect((await call('GET', '/v1/tenants/bad%20id/keys', BOOTSTRAP)).status).toBe(400);
    expect((await call('GET', '/v1/tenants/acme/keys/not-a-uuid', BOOTSTRAP)).status).toBe(400);
    const theirs = await createKey('umbrella', { scope: 'tenant:read', name: 'theirs' });
    const ours = await createKey('wayne', { scope: 'tenant:admin', name: 'ours' });
    expect((await call('GET', `/v1/tenants/wayne/keys/${theirs.id}`, ours.key)).status).toBe(404);
    expect((await call('DELETE', `/v1/tenants/wayne/keys/${theirs.id}`, ours.key)).status).toBe(404);
    expect((await call('GET', `/v1/tenants/umbrella/keys/${theirs.id}`, BOOTSTRAP)).json.revokedAt).toBeNull();
  });
});

describe('operations: another tenant’s ids answer 404, never data', () => {
  it('for its sessions, timelines, interventions, parked sessions and outcomes', async () => {
    const theirs = await seedSession('umbrella', { status: 'running', turnId: randomUUID() });
    const theirParked = await seedParked('umbrella');
    await sql(
      `INSERT INTO router.inbound_outcomes (tenant_id, message_key, outcome, decisions) VALUES ('umbrella', 'http:bola#m1', 'ignored', '[]')`,
    );
    const wayne = (await createKey('wayne', { scope: 'tenant:admin', name: 'ours' })).key;
    const probes: Array<[string, string, unknown?]> = [
      ['GET', `/v1/tenants/wayne/sessions/${theirs}`],
      ['GET', `/v1/tenants/wayne/sessions/${theirs}/events`],
      ['POST', `/v1/tenants/wayne/sessions/${theirs}/cancel`],
      ['POST', `/v1/tenants/wayne/sessions/${theirs}/messages`, { text: 'hello' }],
      ['POST', `/v1/tenants/wayne/parked-sessions/${theirParked}/release`],
      ['GET', '/v1/tenants/wayne/messages/m1/outcome?channel=http&chatId=bola'],
    ];
    for (const [method, url, body] of probes) {
      const res = await call(method, url, wayne, body);
      expect([`${method} ${url}`, res.status, res.type]).toEqual([
        `${method} ${url}`,
        404,
        expect.stringContaining('problem+json'),
      ]);
      expect(JSON.stringify(res.json)).not.toContain('umbrella');
    }
    expect((await call('GET', '/v1/tenants/wayne/sessions', wayne)).json.items).toEqual([]);
    expect((await call('GET', '/v1/tenants/wayne/parked-sessions', wayne)).json.items).toEqual([]);
    // Nothing of theirs changed, nothing was sent on their behalf.
    expect((await call('GET', `/v1/tenants/umbrella/sessions/${theirParked}`, BOOTSTRAP)).json.parked).toMatchObject({
      failures: 5,
    });
    expect(await sql(`SELECT 1 FROM eventstore.events WHERE stream_id = $1`, [`audit-session-${theirs}`])).toEqual([]);
  });
});

describe('operations: bad input', () => {
  let session: string;
  beforeAll(async () => {
    session = await seedSession('initrode', { status: 'running', turnId: randomUUID() });
  });
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const badQueries: Array<[string, string]> = [
    ['a huge page', '/sessions?limit=100000'],
    ['an empty page', '/sessions?limit=0'],
    ['a cursor it did not give out', '/sessions?cursor=bogus'],
    ['a forged cursor', `/sessions?cursor=${b64({ at: "2026-01-01'; DROP TABLE x", id: 'x' })}`],
    ['an unknown status', '/sessions?status=sleeping'],
    ['an unknown filter', '/sessions?owner=me'],
    ['a filter given twice', '/sessions?status=idle&status=running'],
    ['a time that is not one', '/sessions?updatedSince=yesterday'],
    ['an empty time range', '/sessions?updatedSince=2026-02-01T00:00:00Z&updatedBefore=2026-01-01T00:00:00Z'],
    ['a chat without its channel', '/sessions?chatId=alice'],
    ['an unknown channel', '/sessions?channel=fax'],
    ['an agent id that is not one', '/sessions?agentId=..%2Fetc'],
    ['a session id that is not a UUID', '/sessions/not-a-uuid'],
    [
      'a timeline cursor it did not give out',
      `/sessions/${'0'.repeat(8)}-0000-7000-8000-000000000000/events?cursor=${b64({ after: -1 })}`,
    ],
    ['an outcome without its chat', '/messages/m1/outcome'],
    ['a day that is not one', '/usage?from=2026-13-01'],
    ['days out of order', '/usage?from=2026-02-01&to=2026-01-01'],
    ['more than a year of days', '/usage?from=2020-01-01&to=2026-01-01'],
    ['a usage cursor it did not give out', `/usage?cursor=${b64({ day: 'x', agentId: 1 })}`],
    ['a delivery-failure filter that is not a UUID', '/delivery-failures?sessionId=42'],
    ['a parked-session cursor it did not give out', `/parked-sessions?cursor=${b64({ at: 'x', id: 'y' })}`],
  ];
  it.each(badQueries)('%s: 400, a problem', async (_, url) => {
    const res = await call('GET', `/v1/tenants/initrode${url}`, BOOTSTRAP);
    expect([res.status, res.type]).toEqual([400, expect.stringContaining('application/problem+json')]);
  });

  const badMessages: Array<[string, { body?: unknown; raw?: string }]> = [
    ['no text', { body: {} }],
    ['empty text', { body: { text: '' } }],
    ['NUL in the text', { body: { text: 'a\u0000b' } }],
    ['a lone surrogate', { body: { text: 'a\ud800b' } }],
    ['text over the limit', { body: { text: 'x'.repeat(32_001) } }],
    ['an unknown field', { body: { text: 'hi', sender: 'ceo' } }],
    ['a message id with spaces', { body: { text: 'hi', messageId: 'a b' } }],
    ['malformed JSON', { raw: '{"text":' }],
  ];
  it.each(badMessages)('an operator message with %s: 400, nothing sent or recorded', async (_, input) => {
    const before = (await bus.jsm.streams.info(bus.topology.streams.INBOUND.name)).state.messages;
    const res = await call(
      'POST',
      `/v1/tenants/initrode/sessions/${session}/messages`,
      BOOTSTRAP,
      input.body,
      input.raw,
    );
    expect([res.status, res.type]).toEqual([400, expect.stringContaining('application/problem+json')]);
    expect((await bus.jsm.streams.info(bus.topology.streams.INBOUND.name)).state.messages).toBe(before);
    expect(await sql(`SELECT 1 FROM eventstore.events WHERE stream_id = $1`, [`audit-session-${session}`])).toEqual([]);
  });

  it('answers 404 for a session that does not exist, 409 for a cancel with nothing running', async () => {
    const idle = await seedSession('initrode');
    expect((await call('GET', `/v1/tenants/initrode/sessions/${randomUUID()}`, BOOTSTRAP)).status).toBe(404);
    expect(
      (await call('POST', `/v1/tenants/initrode/sessions/${randomUUID()}/messages`, BOOTSTRAP, { text: 'x' })).status,
    ).toBe(404);
    expect((await call('POST', `/v1/tenants/initrode/parked-sessions/${randomUUID()}/release`, BOOTSTRAP)).status).toBe(
      404,
    );
    const cancel = await call('POST', `/v1/tenants/initrode/sessions/${idle}/cancel`, BOOTSTRAP);
    expect([cancel.status, cancel.json.detail]).toEqual([409, expect.stringMatching(/No turn .* is running/)]);
  });

  it('refuses bad dead-letter requests', async () => {
    expect((await call('GET', '/v1/platform/dead-letters?subject=a..b', BOOTSTRAP)).status).toBe(400);
    expect((await call('GET', '/v1/platform/dead-letters?subject=a.>.b', BOOTSTRAP)).status).toBe(400);
    expect((await call('GET', `/v1/platform/dead-letters?cursor=${b64({ seq: 0 })}`, BOOTSTRAP)).status).toBe(400);
    expect((await call('POST', '/v1/platform/dead-letters/abc/redrive', BOOTSTRAP)).status).toBe(400);
    expect((await call('POST', '/v1/platform/dead-letters/-1/redrive', BOOTSTRAP)).status).toBe(400);
    expect((await call('POST', '/v1/platform/dead-letters/987654321/redrive', BOOTSTRAP)).status).toBe(404);
    expect((await call('POST', '/v1/platform/dead-letters/redrive', BOOTSTRAP, {})).status).toBe(400);
    expect(
      (await call('POST', '/v1/platform/dead-letters/redrive', BOOTSTRAP, { subject: '>', all: true })).status,
    ).toBe(400);
  });
});

describe('operations: each change is audited once, whatever the repeats', () => {
  it('a cancel asked twice while the turn runs sends one /stop, and records one event', async () => {
    const turnId = randomUUID();
    const id = await seedSession('hooli', { status: 'running', turnId });
    const first = await call('POST', `/v1/tenants/hooli/sessions/${id}/cancel`, BOOTSTRAP);
    const again = await call('POST', `/v1/tenants/hooli/sessions/${id}/cancel`, BOOTSTRAP);
    expect(first.json).toMatchObject({ sessionId: id, turnId, messageId: `operator:${id}:stop:0`, accepted: true });
    expect(again.json).toMatchObject({ messageId: first.json.messageId, accepted: false });
    const audit = await sql(`SELECT data FROM eventstore.events WHERE stream_id = $1`, [`audit-session-${id}`]);
    expect(audit.map((r) => [r.data.action, r.data.actor.keyId, r.data.details.turnId])).toEqual([
      ['session.turn-cancel-requested', 'bootstrap', turnId],
    ]);
    const inbound = (await bus.messages('INBOUND')).map((m) => JSON.parse(new TextDecoder().decode(m.data)));
    const stops = inbound.filter((e) => e.data.operator?.sessionId === id && e.data.messageId === first.json.messageId);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({
      tenantId: 'hooli',
      data: {
        text: '/stop',
        operator: { sessionId: id, agentId: 'default', keyId: 'bootstrap' },
        sender: { id: 'operator:bootstrap' },
      },
    });
  });

  it('two sessions of one chat (two agents) are cancelled apart: their messages never collide', async () => {
    const chatId = `shared-${randomUUID().slice(0, 8)}`;
    const one = await seedSession('hooli', { status: 'running', turnId: randomUUID(), chatId });
    const two = await seedSession('hooli', { status: 'running', turnId: randomUUID(), chatId });
    const ids = [];
    for (const id of [one, two])
      ids.push((await call('POST', `/v1/tenants/hooli/sessions/${id}/cancel`, BOOTSTRAP)).json.messageId);
    expect(new Set(ids).size).toBe(2);
    const inbound = (await bus.messages('INBOUND')).map((m) => JSON.parse(new TextDecoder().decode(m.data)));
    expect(
      inbound
        .filter((e) => e.data.chat.chatId === chatId)
        .map((e) => e.data.operator.sessionId)
        .sort(),
    ).toEqual([one, two].sort());
  });

  it('an operator message with an idempotency key is sent and recorded once', async () => {
    const id = await seedSession('hooli');
    const body = { text: 'please summarize', messageId: 'ops-1' };
    const first = await call('POST', `/v1/tenants/hooli/sessions/${id}/messages`, BOOTSTRAP, body);
    const again = await call('POST', `/v1/tenants/hooli/sessions/${id}/messages`, BOOTSTRAP, body);
    expect([first.status, first.json.accepted, again.status, again.json.accepted]).toEqual([202, true, 202, false]);
    expect(first.json.outcome).toBe(
      `/v1/tenants/hooli/messages/${encodeURIComponent(`operator:${id}:m:ops-1`)}/outcome?channel=http&chatId=chat-${id.slice(0, 8)}`,
    );
    const inbound = (await bus.messages('INBOUND')).filter((m) =>
      new TextDecoder().decode(m.data).includes(`operator:${id}:m:ops-1`),
    );
    expect(inbound).toHaveLength(1);
    expect(await sql(`SELECT 1 FROM eventstore.events WHERE stream_id = $1`, [`audit-session-${id}`])).toHaveLength(1);
  });

  it('a release asked twice releases once; a redrive asked twice publishes once', async () => {
    const parked = await seedParked('hooli');
    const first = await call('POST', `/v1/tenants/hooli/parked-sessions/${parked}/release`, BOOTSTRAP);
    const again = await call('POST', `/v1/tenants/hooli/parked-sessions/${parked}/release`, BOOTSTRAP);
    expect([first.json, again.json]).toEqual([
      { sessionId: parked, parked: false, released: true },
      { sessionId: parked, parked: false, released: false },
    ]);
    expect(
      await sql(`SELECT parked_at, failures FROM runner.session_work WHERE stream_id = $1`, [`session-${parked}`]),
    ).toEqual([{ parked_at: null, failures: 0 }]);
    const audit = await sql(`SELECT data FROM eventstore.events WHERE stream_id = $1`, [`audit-session-${parked}`]);
    expect(audit.map((r) => r.data.action)).toEqual(['session.released']);

    const seq = await seedDeadLetter('turn.requested.hooli.y', '{"poison":true}', 'no such session');
    const listed = await call('GET', '/v1/platform/dead-letters?subject=turn.requested.hooli.>', BOOTSTRAP);
    expect(listed.json.items).toEqual([
      expect.objectContaining({
        seq,
        subject: 'turn.requested.hooli.y',
        reason: 'no such session',
        payload: { poison: true },
        payloadBase64: Buffer.from('{"poison":true}').toString('base64'),
      }),
    ]);
    const turnsBefore = (await bus.jsm.streams.info(bus.topology.streams.TURNS.name)).state.messages;
    expect((await call('POST', `/v1/platform/dead-letters/${seq}/redrive`, BOOTSTRAP)).json).toEqual({
      seq,
      redriven: true,
    });
    expect((await call('POST', `/v1/platform/dead-letters/${seq}/redrive`, BOOTSTRAP)).json).toEqual({
      seq,
      redriven: false,
    });
    expect((await bus.jsm.streams.info(bus.topology.streams.TURNS.name)).state.messages).toBe(turnsBefore + 1);
    expect(
      (await call('GET', '/v1/platform/dead-letters?subject=turn.requested.hooli.>', BOOTSTRAP)).json.items,
    ).toEqual([]);
    const redrives = await sql(
      `SELECT tenant_id, data FROM eventstore.events WHERE data->>'action' = 'dead-letter.redriven'`,
    );
    expect(redrives.filter((r) => r.data.resource.id.endsWith(`-${seq}`)).map((r) => r.tenant_id)).toEqual([
      '_platform',
    ]);
  });

  it('pages dead letters with a cursor, and redrives all of a subject at once', async () => {
    const seqs = [];
    for (const n of [1, 2, 3]) seqs.push(await seedDeadLetter(`tool.completed.hooli.z${n}`, `{"n":${n}}`));
    const page1 = await call('GET', '/v1/platform/dead-letters?subject=tool.completed.hooli.>&limit=2', BOOTSTRAP);
    const page2 = await call(
      'GET',
      `/v1/platform/dead-letters?subject=tool.completed.hooli.>&limit=2&cursor=${page1.json.nextCursor}`,
      BOOTSTRAP,
    );
    expect([...page1.json.items, ...page2.json.items].map((l: { seq: number }) => l.seq)).toEqual(seqs);
    expect(page2.json.nextCursor).toBeUndefined();
    const all = await call('POST', '/v1/platform/dead-letters/redrive', BOOTSTRAP, {
      subject: 'tool.completed.hooli.>',
    });
    expect(all.json).toEqual({ redriven: seqs, count: 3 });
    expect(
      (await call('POST', '/v1/platform/dead-letters/redrive', BOOTSTRAP, { subject: 'tool.completed.hooli.>' })).json,
    ).toEqual({
      redriven: [],
      count: 0,
    });
  });
});

describe('the admin CLI', () => {
  const cli = (args: string[]) => {
    try {
      const out = execFileSync(
        process.execPath,
        [path.join(__dirname, '../../../scripts/admin.mjs'), '--json', ...args],
        {
          env: { ...process.env, ADMIN_API_URL: api, ADMIN_API_KEY: BOOTSTRAP },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      return { code: 0, out: JSON.parse(out.toString()) };
    } catch (error) {
      const e = error as { status: number; stderr: Buffer };
      return { code: e.status, out: e.stderr.toString() };
    }
  };

  it('creates, lists and revokes a key over the REST API', () => {
    const created = cli([
      'keys',
      'create',
      '--tenant',
      'cli',
      '--scope',
      'channel:client',
      '--name',
      'app',
      '--user',
      'bob',
    ]);
    expect(created).toMatchObject({ code: 0, out: { scope: 'channel:client', userId: 'bob' } });
    expect(created.out.key).toMatch(/^cf_/);
    expect(cli(['keys', 'list', '--tenant', 'cli']).out.items.map((k: { id: string }) => k.id)).toEqual([
      created.out.id,
    ]);
    expect(cli(['keys', 'revoke', '--tenant', 'cli', '--id', created.out.id]).out.revokedAt).toBeTruthy();
    expect(cli(['me']).out).toMatchObject({ scope: 'platform:admin' });
  });

  it('lists and approves pairings over the REST API', async () => {
    const offered = await offerPairing('clipair', 'walk-in');
    expect(cli(['pairings', 'list', '--tenant', 'clipair', '--status', 'pending']).out.items).toEqual([
      expect.objectContaining({ id: offered.pairingId, senderId: 'walk-in' }),
    ]);
    expect(cli(['pairings', 'approve', '--tenant', 'clipair', '--id', offered.pairingId]).out).toMatchObject({
      status: 'approved',
    });
  });

  it('lists and shows sessions, lists and releases parked ones, lists and redrives dead letters', async () => {
    const running = await seedSession('cli', { status: 'running', turnId: randomUUID() });
    await seedSession('cli');
    const parked = await seedParked('cli');
    const seq = await seedDeadLetter('turn.requested.cli.q', '{"q":1}');
    expect(
      cli(['sessions', 'list', '--tenant', 'cli', '--status', 'running']).out.items.map((x: { id: string }) => x.id),
    ).toEqual([running]);
    expect(cli(['sessions', 'list', '--tenant', 'cli']).out.items).toHaveLength(3);
    expect(cli(['sessions', 'show', '--tenant', 'cli', '--id', parked]).out).toMatchObject({
      id: parked,
      parked: { failures: 5 },
    });
    expect(cli(['parked', 'list', '--tenant', 'cli']).out.items.map((p: { sessionId: string }) => p.sessionId)).toEqual(
      [parked],
    );
    expect(cli(['parked', 'release', '--tenant', 'cli', '--id', parked]).out).toMatchObject({ released: true });
    expect(cli(['parked', 'list', '--tenant', 'cli']).out.items).toEqual([]);
    expect(
      cli(['dlq', 'list', '--subject', 'turn.requested.cli.>']).out.items.map((l: { seq: number }) => l.seq),
    ).toEqual([seq]);
    expect(cli(['dlq', 'redrive', '--seq', String(seq)]).out).toEqual({ seq, redriven: true });
    expect(cli(['dlq', 'redrive', '--subject', 'turn.requested.cli.>']).out).toEqual({ redriven: [], count: 0 });
    expect(cli(['dlq', 'redrive'])).toMatchObject({ code: 2, out: expect.stringContaining('--seq or --subject') });
  });

  it('says what is wrong: a usage error, or the problem the API answered', () => {
    expect(cli(['keys', 'create', '--scope', 'tenant:read'])).toMatchObject({
      code: 2,
      out: expect.stringContaining('--tenant is required'),
    });
    expect(cli(['keys', 'create', '--tenant', 'cli', '--scope', 'root', '--name', 'x'])).toMatchObject({
      code: 1,
      out: expect.stringContaining('400'),
    });
  });
});

describe('the API description', () => {
  it('is a valid OpenAPI document, and the one in the repository is current', async () => {
    const doc = (await call('GET', '/openapi.json')).json;
    expect(validateOpenApi(doc)).toBe('valid');
    if (process.env['UPDATE_OPENAPI'] === '1') writeFileSync(DOC_FILE, `${JSON.stringify(doc, null, 2)}\n`);
    // Regenerate with: UPDATE_OPENAPI=1 npm test -- apps/platform-e2e/src/admin-api.e2e.spec.ts
    expect(JSON.parse(readFileSync(DOC_FILE, 'utf8'))).toEqual(doc);
  });

  it('types the client in the repository, and they are current', () => {
    const types = typesOf(JSON.parse(readFileSync(DOC_FILE, 'utf8')));
    if (process.env['UPDATE_OPENAPI'] === '1') writeFileSync(CLIENT_TYPES_FILE, types);
    expect(readFileSync(CLIENT_TYPES_FILE, 'utf8')).toBe(types);
  });
});

/** The TypeScript types of the API (openapi-typescript), for the typed client (openapi-fetch); ESM only, so in a child. */
function typesOf(doc: unknown): string {
  const script = `import openapiTS, { astToString } from 'openapi-typescript';
    let text = ''; for await (const chunk of process.stdin) text += chunk;
    process.stdout.write(astToString(await openapiTS(JSON.parse(text))));`;
  const body = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(doc),
    cwd: path.join(__dirname, '../../..'),
  }).toString();
  return `// Generated from docs/openapi.json by openapi-typescript: UPDATE_OPENAPI=1 npm test -- apps/platform-e2e/src/admin-api.e2e.spec.ts\n${body}`;
}

/**
 * Validates an OpenAPI document with @apidevtools/swagger-parser, in a child process: the validator is
 * ESM only, which Jest's CommonJS runtime cannot load here.
 */
function validateOpenApi(doc: unknown): string {
  const script = `import SwaggerParser from '@apidevtools/swagger-parser';
    let text = ''; for await (const chunk of process.stdin) text += chunk;
    try { await SwaggerParser.validate(JSON.parse(text)); console.log('valid'); }
    catch (e) { console.log(e.message); }`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(doc),
    cwd: path.join(__dirname, '../../..'),
  })
    .toString()
    .trim();
}
