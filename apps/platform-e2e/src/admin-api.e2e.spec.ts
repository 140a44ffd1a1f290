import {
  createTestDatabase,
  launchPlatform,
  TEST_NATS_URL,
  uniqueNamespace,
  type Platform,
  type TestDatabase,
} from '@clawfleet/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { provisioningMatrix, type MatrixRoute, type MatrixWho } from './support/provisioning-matrix';

const BOOTSTRAP = 'bootstrap-key-for-the-admin-api-spec-0123456789';
const DOC_FILE = path.join(__dirname, '../../../docs/openapi.json');
const CLIENT_TYPES_FILE = path.join(__dirname, 'support/admin-api.generated.ts');

let db: TestDatabase;
let platform: Platform;
let api: string;

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

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await launchPlatform({
    databaseUrl: db.url,
    namespace: uniqueNamespace('a'),
    natsUrl: TEST_NATS_URL,
    model: { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', name: 'unused' },
    apps: ['admin-api'],
    appEnv: {
      'admin-api': {
        ADMIN_BOOTSTRAP_KEY: BOOTSTRAP,
        AUTH_KEY_CACHE_MS: '200',
        CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      },
    },
  });
  api = platform.url('admin-api');
});
afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

describe('the authorization matrix of every admin route', () => {
  let keys: Record<string, string | null>;
  let acmeKeyId: string;
  let platformKeyId: string;

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
