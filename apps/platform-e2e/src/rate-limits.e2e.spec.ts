import {
  createTestDatabase,
  launchPlatform,
  TEST_NATS_URL,
  uniqueNamespace,
  type Platform,
  type TestDatabase,
} from '@clawfleet/testing';

const BOOTSTRAP = 'bootstrap-key-for-the-rate-limits-spec-0123456789';
const PER_KEY = 6;
const PER_IP = 4;

let db: TestDatabase;
let platform: Platform;
const replicas = () => [platform.url('admin-api'), platform.url('admin-api#1')];

async function get(base: string, path: string, key?: string) {
  const res = await fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    retryAfter: res.headers.get('retry-after'),
    body: await res.text(),
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await launchPlatform({
    databaseUrl: db.url,
    namespace: uniqueNamespace('rl'),
    natsUrl: TEST_NATS_URL,
    model: { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', name: 'unused' },
    apps: ['admin-api'],
    replicas: { 'admin-api': 2 },
    appEnv: {
      'admin-api': {
        ADMIN_BOOTSTRAP_KEY: BOOTSTRAP,
        RATE_LIMIT_PER_KEY: String(PER_KEY),
        RATE_LIMIT_PER_IP: String(PER_IP),
        // Long enough that no window ends during the spec: every count below is within one window.
        RATE_LIMIT_WINDOW_MS: '600000',
      },
    },
  });
});
afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

async function tenantKey(name: string): Promise<string> {
  const res = await fetch(`${replicas()[0]}/v1/tenants/acme/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'tenant:read', name }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

it('counts a key across both replicas: the limit is one for the installation, then 429 with Retry-After', async () => {
  const [a, b] = replicas();
  const mine = await tenantKey('limited');
  const other = await tenantKey('unaffected');
  const statuses: number[] = [];
  for (let i = 0; i < PER_KEY; i++) statuses.push((await get(i % 2 ? b! : a!, '/v1/me', mine)).status);
  expect(statuses).toEqual(Array(PER_KEY).fill(200));

  for (const replica of [a!, b!]) {
    const refused = await get(replica, '/v1/me', mine);
    expect(refused.status).toBe(429);
    expect(refused.type).toContain('application/problem+json');
    expect(JSON.parse(refused.body)).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(600);
  }
  // Another key, from the same address, is counted apart; the probes are never limited.
  expect((await get(b!, '/v1/me', other)).status).toBe(200);
  expect((await get(a!, '/healthz')).status).toBe(200);
});

it('counts requests without a valid key by client address, on both replicas together', async () => {
  const [a, b] = replicas();
  const seen: number[] = [];
  for (let i = 0; i < PER_IP; i++)
    seen.push((await get(i % 2 ? b! : a!, '/v1/me', i % 2 ? 'not-a-key' : undefined)).status);
  expect(seen).toEqual(Array(PER_IP).fill(401));
  const refused = await get(b!, '/v1/me');
  expect([refused.status, refused.type]).toEqual([429, expect.stringContaining('application/problem+json')]);
  expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
  // A valid key from that same address is still served: it has a limit of its own.
  expect((await get(a!, '/v1/me', await tenantKey('after the flood'))).status).toBe(200);
});
