import { createDataSource, migrate } from '@clawfleet/platform';
import { createTestDatabase, type TestDatabase } from '@clawfleet/testing';
import type { DataSource } from 'typeorm';
import { AgentConfig, BindingInput, McpServer } from './model';
import { provisioningEntities } from './entities';
import { provisioningMigrations } from './migrations';
import { generatePairingCode, normalizePairingCode, PairingRepository } from './pairings';
import { ProvisioningRepository } from './provisioning.repository';
import { identityKey } from './routing-data';

let db: TestDatabase;
let dataSource: DataSource;
let repo: ProvisioningRepository;
let pairings: PairingRepository;

beforeAll(async () => {
  db = await createTestDatabase('cf_pairings');
  dataSource = createDataSource({
    url: db.url,
    poolSize: 4,
    applicationName: 'pairings-spec',
    migrations: provisioningMigrations,
    entities: provisioningEntities,
  });
  await dataSource.initialize();
  await migrate(dataSource);
  repo = new ProvisioningRepository(dataSource);
  pairings = new PairingRepository(dataSource);
  for (const t of ['acme', 'globex', 'full']) await repo.ensureTenant(t);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

const T0 = new Date('2026-12-01T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const offer = (tenantId: string, senderId: string, messageKey: string, now = T0, extra: { maxPending?: number } = {}) =>
  pairings.offer(tenantId, {
    channel: 'telegram',
    senderId,
    displayName: `Sender ${senderId}`,
    chatId: '-100',
    messageKey,
    now,
    ttlMs: 60 * 60_000,
    intervalMs: 10 * 60_000,
    maxPending: extra.maxPending ?? 100,
  });
const owner = (messageKey: string) => ({
  kind: 'user' as const,
  userId: '0193c000-0000-7000-8000-000000000001',
  messageKey,
});

describe('codes', () => {
  it('are 8 unambiguous characters, read in any case with or without the dash', () => {
    const code = generatePairingCode();
    expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/);
    expect(normalizePairingCode(code.toLowerCase())).toBe(code.replace('-', ''));
    expect(normalizePairingCode(` ${code.slice(0, 4)} ${code.slice(5)} `)).toBe(code.replace('-', ''));
    for (const bad of ['', 'ABC', 'ABCD-EFG0', 'ABCDEFGHJ', 'O0O0-I1I1'])
      expect(normalizePairingCode(bad)).toBeUndefined();
    expect(new Set(Array.from({ length: 200 }, generatePairingCode)).size).toBe(200);
  });
});

describe('offers', () => {
  it('one code per sender, rate-limited; a redelivery of the asking message gets the same code until it is sent', async () => {
    const first = await offer('acme', 'm1', 'k1');
    expect(first).toMatchObject({ kind: 'offered', code: expect.stringMatching(/^.{4}-.{4}$/) });
    expect(await offer('acme', 'm1', 'k1')).toEqual(first);
    if (first.kind !== 'offered') throw new Error('no offer');
    await pairings.markSent('acme', first.pairingId);
    expect(await offer('acme', 'm1', 'k1')).toEqual({ kind: 'sent', pairingId: first.pairingId });
    expect(await offer('acme', 'm1', 'k2', at(5))).toEqual({ kind: 'pending' });
    const renewed = await offer('acme', 'm1', 'k3', at(11));
    expect(renewed).toMatchObject({ kind: 'offered', pairingId: first.pairingId });
    // The renewed code replaced the first: only it approves.
    expect((await pairings.approve('acme', { code: first.code }, owner('a1'), at(12))).kind).toBe('unknown');
    expect(await pairings.pendingOf('acme', 'telegram', 'm1', at(12))).toEqual({
      offer: { offeredAt: at(11).getTime(), expiresAt: at(71).getTime(), messageKey: 'k3' },
      pendingCount: 1,
    });
    const [row] = await dataSource.query(`SELECT code_hash, code_to_send FROM provisioning.pairings WHERE id = $1`, [
      first.pairingId,
    ]);
    expect(row.code_to_send).toBe(renewed.kind === 'offered' ? renewed.code : null);
    expect(row.code_hash.toString('utf8')).not.toContain(renewed.kind === 'offered' ? renewed.code.slice(0, 4) : '');
  });

  it('a tenant has at most maxPending unexpired codes pending; expired ones do not count', async () => {
    expect((await offer('full', 'a', 'ka', T0, { maxPending: 2 })).kind).toBe('offered');
    expect((await offer('full', 'b', 'kb', T0, { maxPending: 2 })).kind).toBe('offered');
    expect(await offer('full', 'c', 'kc', T0, { maxPending: 2 })).toEqual({ kind: 'full' });
    expect((await offer('full', 'c', 'kc2', at(61), { maxPending: 2 })).kind).toBe('offered');
  });

  it('two routers offering one sender at once: one code', async () => {
    const both = await Promise.all([offer('acme', 'race', 'r1'), offer('acme', 'race', 'r2')]);
    expect(both.map((r) => r.kind).sort()).toEqual(['offered', 'pending']);
  });
});

describe('approval', () => {
  it('makes the sender a member once; a redelivery answers the same, a replay of the code is refused', async () => {
    const offered = await offer('acme', 'newbie', 'n1');
    if (offered.kind !== 'offered') throw new Error('no offer');
    const approved = await pairings.approve('acme', { code: offered.code.toLowerCase() }, owner('p1'), at(1));
    expect(approved).toMatchObject({ kind: 'decided', pairing: { status: 'approved', userId: expect.any(String) } });
    const routing = await repo.loadRouting('acme');
    const userId = routing.identities.get(identityKey('telegram', 'newbie'));
    expect(userId).toBe(approved.kind === 'decided' ? approved.pairing.userId : 'none');
    expect(routing.roles.get(userId!)).toEqual([{ userId, role: 'member', agentId: null }]);
    expect((await pairings.approve('acme', { code: offered.code }, owner('p1'), at(2))).kind).toBe('again');
    expect((await pairings.approve('acme', { code: offered.code }, owner('p2'), at(2))).kind).toBe('used');
    const users = await dataSource.query(`SELECT count(*)::int AS n FROM provisioning.users WHERE tenant_id = 'acme'`);
    expect(users[0].n).toBe(1);
  });

  it('an expired code, a wrong one and another tenant’s are not approved, and change nothing', async () => {
    const late = await offer('acme', 'late', 'l1');
    const theirs = await offer('globex', 'spy', 's1');
    if (late.kind !== 'offered' || theirs.kind !== 'offered') throw new Error('no offer');
    expect((await pairings.approve('acme', { code: late.code }, owner('p3'), at(61))).kind).toBe('expired');
    expect((await pairings.approve('acme', { code: theirs.code }, owner('p4'), at(1))).kind).toBe('unknown');
    expect((await pairings.approve('acme', { code: 'ZZZZ-ZZZZ' }, owner('p5'), at(1))).kind).toBe('unknown');
    expect((await pairings.approve('acme', { code: 'not a code' }, owner('p6'), at(1))).kind).toBe('unknown');
    expect((await pairings.approve('acme', { id: theirs.pairingId }, { kind: 'key', keyId: 'k' }, at(1))).kind).toBe(
      'unknown',
    );
    expect((await pairings.get('globex', theirs.pairingId))?.status).toBe('pending');
    expect((await repo.loadRouting('acme')).identities.has(identityKey('telegram', 'spy'))).toBe(false);
  });

  it('counts an owner’s wrong codes in a window', async () => {
    const who = '0193c000-0000-7000-8000-0000000000ff';
    expect(await pairings.recordFailure('acme', who, at(0), at(-15))).toBe(1);
    expect(await pairings.recordFailure('acme', who, at(1), at(-14))).toBe(2);
    expect(await pairings.failuresSince('acme', who, at(0.5))).toBe(1);
    expect(await pairings.failuresSince('globex', who, at(-60))).toBe(0);
  });
});

describe('agent fields and bindings', () => {
  it('MCP servers and skills are validated and versioned with the agent; no credential in a URL', async () => {
    const mcp = { name: 'docs', url: 'https://mcp.example/docs' };
    const skill = { name: 'triage', description: 'Sort issues', instructions: 'Label it.' };
    const created = await repo.createAgent('acme', {
      id: 'tooly',
      config: { instructions: 'x', mcpServers: [mcp], skills: [skill] },
    });
    expect(created.config).toMatchObject({
      mcpServers: [{ ...mcp, transport: 'streamable-http', toolsAllowed: null }],
      skills: [skill],
    });
    const v2 = await repo.updateAgent('acme', 'tooly', { config: { instructions: 'x' } });
    expect((await repo.agentVersion('acme', 'tooly', 1))?.config.mcpServers).toHaveLength(1);
    expect(v2.config).toMatchObject({ mcpServers: [], skills: [] });
    const refused = [
      { mcpServers: [{ name: 'a', url: 'https://user:secret@mcp.example' }] },
      { mcpServers: [{ name: 'a', url: 'file:///etc/passwd' }] },
      { mcpServers: [{ name: 'Bad Name', url: 'https://mcp.example' }] },
      { mcpServers: [{ name: 'a', url: 'https://mcp.example', headers: { authorization: 'x' } }] },
      { mcpServers: [mcp, mcp] },
      { skills: [skill, skill] },
      { skills: [{ ...skill, instructions: '' }] },
    ];
    for (const extra of refused) expect(AgentConfig.safeParse({ instructions: 'x', ...extra }).success).toBe(false);
    expect(McpServer.safeParse(mcp).success).toBe(true);
  });

  it('a binding says what unknown senders get; ignore unless told', async () => {
    expect(BindingInput.parse({ agentId: 'a', engageMode: 'always' })).toMatchObject({ unknownSenders: 'ignore' });
    expect(BindingInput.safeParse({ agentId: 'a', engageMode: 'always', unknownSenders: 'welcome' }).success).toBe(
      false,
    );
    const group = await repo.createGroup('acme', { channel: 'telegram', chatId: '-42' });
    await repo.bind('acme', group, {
      agentId: 'tooly',
      engageMode: 'always',
      senderScope: 'known',
      unknownSenders: 'pair',
    });
    const routing = await repo.loadRouting('acme');
    expect([...routing.groups.values()][0]?.bindings[0]).toMatchObject({
      senderScope: 'known',
      unknownSenders: 'pair',
    });
  });
});
