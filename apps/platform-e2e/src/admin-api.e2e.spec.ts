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
import { execFileSync } from 'node:child_process';
import type { DataSource } from 'typeorm';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

const BOOTSTRAP = 'bootstrap-key-for-the-admin-api-spec-0123456789';
const DOC_FILE = path.join(__dirname, '../../../docs/openapi.json');

let db: TestDatabase;
let platform: Platform;
let api: string;
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

async function call(method: string, url: string, key?: string | null, body?: unknown, raw?: string) {
  const headers: Record<string, string> = {};
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

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await launchPlatform({
    databaseUrl: db.url,
    namespace: uniqueNamespace('a'),
    natsUrl: TEST_NATS_URL,
    model: { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', name: 'unused' },
    apps: ['admin-api'],
    appEnv: { 'admin-api': { ADMIN_BOOTSTRAP_KEY: BOOTSTRAP, AUTH_KEY_CACHE_MS: '200' } },
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
  await db?.drop();
});

describe('the authorization matrix of every admin route', () => {
  let keys: Record<string, string | null>;
  let acmeKeyId: string;
  let platformKeyId: string;
  let toApprove: string;
  let toReject: string;

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
    platformKeyId = (await call('POST', '/v1/platform/keys', BOOTSTRAP, { name: 'victim' })).json.id;
    toApprove = (await offerPairing('acme', 'matrix-approve')).pairingId;
    toReject = (await offerPairing('acme', 'matrix-reject')).pairingId;
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
  const routes: Array<{
    method: string;
    doc: string;
    url: () => string;
    body?: unknown;
    expect: Partial<Record<Who, number>>;
  }> = [
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
      const res = await call(route.method, route.url(), keys[who], route.body);
      // Each answer with what an error must carry: a problem document, and a challenge on 401.
      const problem = res.status >= 400 ? (res.type.includes('application/problem+json') ? ' problem' : ' plain') : '';
      const challenge =
        res.status === 401 ? (res.headers.get('www-authenticate')?.includes('Bearer') ? ' challenge' : ' none') : '';
      seen[who] = `${res.status}${problem}${challenge}`;
      const status = unauthenticated.includes(who) ? 401 : route.expect[who]!;
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
    ['a huge body', { raw: JSON.stringify({ scope: 'tenant:read', name: 'x'.repeat(200_000) }) }, 413],
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

describe('the admin CLI', () => {
  const cli = (args: string[]) => {
    try {
      const out = execFileSync(process.execPath, [path.join(__dirname, '../../../scripts/admin.mjs'), ...args], {
        env: { ...process.env, ADMIN_API_URL: api, ADMIN_API_KEY: BOOTSTRAP },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
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
});

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
