import type { Clock } from '@clawfleet/platform';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { generateKey } from './api-key';
import { ApiKeysRepository, type NewApiKey } from './api-keys.repository';
import { KeyVerifier } from './key-verifier';
import { keysDatabase } from './keys-database.test-support';
import type { Scope } from './scopes';

let db: Awaited<ReturnType<typeof keysDatabase>>;
let dataSource: DataSource;
let keys: ApiKeysRepository;

beforeAll(async () => {
  db = await keysDatabase();
  ({ dataSource } = db);
  keys = new ApiKeysRepository(dataSource);
});
afterAll(async () => {
  await db?.close();
});

async function makeKey(tenantId: string | null, scope: Scope, extra: Partial<NewApiKey> = {}) {
  const generated = generateKey();
  const record = await keys.insert({
    id: randomUUID(),
    prefix: generated.prefix,
    hash: generated.hash,
    tenantId,
    scope,
    userId: scope === 'channel:client' ? 'user-1' : null,
    name: 'spec',
    createdBy: 'spec',
    expiresAt: null,
    ...extra,
  });
  return { ...generated, record };
}

const clockAt = (ms: number): Clock => ({ now: () => new Date(ms) });

describe('verifying a presented key', () => {
  it('gives the principal of a live key', async () => {
    const { key, record } = await makeKey('acme', 'tenant:admin');
    const verified = await new KeyVerifier(keys).verify(key);
    expect(verified).toEqual({
      ok: true,
      principal: { keyId: record.id, prefix: record.prefix, tenantId: 'acme', scope: 'tenant:admin', userId: null },
    });
  });

  it('refuses a missing, malformed, unknown or altered key', async () => {
    const { key } = await makeKey('acme', 'tenant:read');
    const verifier = new KeyVerifier(keys);
    expect(await verifier.verify(undefined)).toEqual({ ok: false, refusal: 'missing' });
    expect(await verifier.verify('hello')).toEqual({ ok: false, refusal: 'malformed' });
    expect(await verifier.verify(generateKey().key)).toEqual({ ok: false, refusal: 'unknown' });
    const altered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await verifier.verify(altered)).toEqual({ ok: false, refusal: 'unknown' });
  });

  it('refuses an expired key', async () => {
    const { key } = await makeKey('acme', 'tenant:read', { expiresAt: new Date(Date.now() + 60_000) });
    expect((await new KeyVerifier(keys).verify(key)).ok).toBe(true);
    const later = new KeyVerifier(keys, { clock: clockAt(Date.now() + 61_000) });
    expect(await later.verify(key)).toEqual({ ok: false, refusal: 'expired' });
  });

  it('refuses a revoked key on another replica within its cache time', async () => {
    const { key, record } = await makeKey('acme', 'tenant:admin');
    const replica = new KeyVerifier(keys, { cacheMs: 200 });
    expect((await replica.verify(key)).ok).toBe(true);
    await keys.revoke('acme', record.id, new Date());
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await replica.verify(key)).toEqual({ ok: false, refusal: 'revoked' });
  });

  it('takes the bootstrap key as a platform admin, without storing it', async () => {
    const bootstrapKey = 'a-long-bootstrap-key-from-the-environment-0123456789';
    const verifier = new KeyVerifier(keys, { bootstrapKey });
    expect(await verifier.verify(bootstrapKey)).toMatchObject({
      ok: true,
      principal: { scope: 'platform:admin', tenantId: null },
    });
    expect((await verifier.verify(`${bootstrapKey}x`)).ok).toBe(false);
    const stored: Array<{ n: string }> = await dataSource.query(
      `SELECT count(*)::text AS n FROM auth.api_keys WHERE hash = encode(sha256($1::bytea), 'hex')`,
      [bootstrapKey],
    );
    expect(stored[0]!.n).toBe('0');
  });

  it('looks a made-up prefix up once per cache time, however often it is tried', async () => {
    let lookups = 0;
    const counting = Object.create(keys, {
      findByPrefix: { value: (prefix: string) => (lookups++, keys.findByPrefix(prefix)) },
    }) as ApiKeysRepository;
    const verifier = new KeyVerifier(counting, { cacheMs: 60_000 });
    const made = generateKey().key;
    for (let i = 0; i < 50; i++) await verifier.verify(made);
    expect(lookups).toBe(1);
  });
});

describe('verifying while the keys cannot be read', () => {
  /** The repository as a replica sees it, with PostgreSQL that can be switched off. */
  function switchable() {
    const state = { down: false, lookups: 0 };
    const repo = Object.create(keys, {
      findByPrefix: {
        value: async (prefix: string) => {
          state.lookups++;
          if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          return keys.findByPrefix(prefix);
        },
      },
    }) as ApiKeysRepository;
    return { repo, state };
  }
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('trusts a key read before for staleIfErrorMs, trying the database again once per cache time', async () => {
    const { key } = await makeKey('acme', 'channel:client');
    const { repo, state } = switchable();
    const verifier = new KeyVerifier(repo, { cacheMs: 300, staleIfErrorMs: 700 });
    expect((await verifier.verify(key)).ok).toBe(true);
    state.down = true;
    await later(320);
    const lookups = state.lookups;
    expect((await verifier.verify(key)).ok).toBe(true);
    for (let i = 0; i < 20; i++) await verifier.verify(key);
    expect(state.lookups).toBe(lookups + 1); // the failed read counts as a check for cacheMs
    await later(750);
    await expect(verifier.verify(key)).rejects.toThrow(/ECONNREFUSED/);
    state.down = false;
    expect((await verifier.verify(key)).ok).toBe(true);
  });

  it('without staleIfErrorMs, or for a key never read, fails the check', async () => {
    const { key } = await makeKey('acme', 'channel:client');
    const { repo, state } = switchable();
    const strict = new KeyVerifier(repo, { cacheMs: 20 });
    expect((await strict.verify(key)).ok).toBe(true);
    state.down = true;
    await later(30);
    await expect(strict.verify(key)).rejects.toThrow(/ECONNREFUSED/);
    const lenient = new KeyVerifier(repo, { cacheMs: 20, staleIfErrorMs: 60_000 });
    await expect(lenient.verify(key)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('reads a key once for all the requests that find it expired together', async () => {
    const { key } = await makeKey('acme', 'channel:client');
    const { repo, state } = switchable();
    const verifier = new KeyVerifier(repo, { cacheMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 50 }, () => verifier.verify(key)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(state.lookups).toBe(1);
  });

  it('a revocation read before the outage still refuses the key', async () => {
    const { key, record } = await makeKey('acme', 'channel:client');
    const { repo, state } = switchable();
    const verifier = new KeyVerifier(repo, { cacheMs: 20, staleIfErrorMs: 60_000 });
    await keys.revoke('acme', record.id, new Date());
    expect(await verifier.verify(key)).toEqual({ ok: false, refusal: 'revoked' });
    state.down = true;
    await later(30);
    expect(await verifier.verify(key)).toEqual({ ok: false, refusal: 'revoked' });
  });
});

describe('a tenant reading keys', () => {
  it("never sees another tenant's key, by id or in a list", async () => {
    const theirs = await makeKey('globex', 'tenant:admin');
    const ours = await makeKey('initech', 'tenant:admin');
    expect(await keys.get('initech', theirs.record.id)).toBeNull();
    expect(await keys.revoke('initech', theirs.record.id, new Date())).toBeNull();
    expect((await keys.get('globex', theirs.record.id))?.revokedAt).toBeNull();
    const listed = await keys.list('initech', { limit: 100 });
    expect(listed.map((k) => k.id)).toEqual([ours.record.id]);
  });

  it('pages in creation order with a cursor', async () => {
    const tenant = `t-${randomUUID()}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await makeKey(tenant, 'tenant:read', { id: uuidAfter(i) })).record.id);
    const first = await keys.list(tenant, { limit: 2 });
    const second = await keys.list(tenant, { after: first.at(-1)!.id, limit: 2 });
    const third = await keys.list(tenant, { after: second.at(-1)!.id, limit: 2 });
    expect([...first, ...second, ...third].map((k) => k.id)).toEqual(made);
  });
});

let counter = 0;
/** Ids that sort in creation order, as UUIDv7s do. */
function uuidAfter(i: number): string {
  counter += 1;
  const hex = (counter * 10 + i).toString(16).padStart(12, '0');
  return `00000000-0000-7000-8000-${hex}`;
}
