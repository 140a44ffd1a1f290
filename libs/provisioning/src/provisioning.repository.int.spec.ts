import { ConflictError, createDataSource, migrate, NotFoundError, ValidationError } from '@clawfleet/platform';
import { createTestDatabase, type TestDatabase } from '@clawfleet/testing';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CredentialKeys } from './credentials';
import { provisioningEntities } from './entities';
import { provisioningMigrations } from './migrations';
import { ProvisioningRepository } from './provisioning.repository';
import { groupKey, identityKey } from './routing-data';
import type { SandboxCeiling } from './sandbox';

let db: TestDatabase;
let dataSource: DataSource;
let repo: ProvisioningRepository;
const keys = CredentialKeys.parse(`k1:${randomBytes(32).toString('base64')}`);
const config = (instructions: string) => ({ instructions, allowedModels: ['gpt-4.1'] });

beforeAll(async () => {
  db = await createTestDatabase('cf_provisioning');
  dataSource = createDataSource({
    url: db.url,
    poolSize: 4,
    applicationName: 'spec',
    migrations: provisioningMigrations,
    entities: provisioningEntities,
  });
  await dataSource.initialize();
  await migrate(dataSource);
  repo = new ProvisioningRepository(dataSource, keys);
  await repo.ensureTenant('acme');
  await repo.ensureTenant('globex');
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

describe('agents are versioned', () => {
  it('a change of config is a new version; old versions stay as they were', async () => {
    await repo.createAgent('acme', { id: 'writer', config: config('Write.') });
    const v2 = await repo.updateAgent('acme', 'writer', { config: config('Write tersely.') });
    expect(v2.version).toBe(2);
    expect((await repo.agentVersion('acme', 'writer', 1))!.config.instructions).toBe('Write.');
    expect((await repo.agent('acme', 'writer'))!).toMatchObject({
      version: 2,
      config: { instructions: 'Write tersely.', queueMode: 'followup', maxRounds: 16 },
    });
    expect((await repo.updateAgent('acme', 'writer', { enabled: false })).version).toBe(2);
  });

  it('a stored version cannot be changed, even by SQL', async () => {
    await expect(
      dataSource.query(`UPDATE provisioning.agent_versions SET config = '{}' WHERE tenant_id = 'acme'`),
    ).rejects.toThrow(/immutable/);
  });

  it('seeding never overwrites a provisioned agent', async () => {
    await repo.seedAgent('acme', 'writer', config('from the environment'));
    expect((await repo.agent('acme', 'writer'))!.config.instructions).toBe('Write tersely.');
    await repo.seedAgent('fresh', 'default', config('from the environment'));
    expect((await repo.loadRouting('fresh')).defaultAgentId).toBe('default');
    expect((await repo.agent('fresh', 'default'))!.version).toBe(1);
  });

  it('rejects bad config with a clear error', async () => {
    await expect(repo.createAgent('acme', { id: 'bad id', config: config('x') })).rejects.toThrow(ValidationError);
    await expect(repo.createAgent('acme', { id: 'x', config: { instructions: '' } })).rejects.toThrow(/instructions/);
    await expect(repo.createAgent('acme', { id: 'writer', config: config('x') })).rejects.toThrow(ConflictError);
  });
});

describe("an agent's sandbox", () => {
  const ceiling: SandboxCeiling = {
    memoryMb: 512,
    cpus: 1,
    pidsLimit: 256,
    bashTimeoutMs: 300_000,
    maxOutputBytes: 16_384,
    runtimesAllowed: ['runsc'],
    egress: true,
  };
  const guarded = () => new ProvisioningRepository(dataSource, keys, { sandboxCeiling: ceiling });
  const withSandbox = (sandbox: unknown) => ({ instructions: 'Sandboxed.', sandbox });

  it('is stored with the version: a tightening is a new version, the old one keeps its sandbox', async () => {
    const v1 = await guarded().createAgent('acme', {
      id: 'coder',
      config: withSandbox({ memoryMb: 256, pidsLimit: 64, runtime: 'runsc', egress: { allow: ['pypi.org', '*.pythonhosted.org'] } }),
    });
    expect(v1.config.sandbox).toEqual({ memoryMb: 256, pidsLimit: 64, runtime: 'runsc', egress: { allow: ['pypi.org', '*.pythonhosted.org'] } });
    await guarded().updateAgent('acme', 'coder', { config: withSandbox({ memoryMb: 128 }) });
    expect((await repo.agentVersion('acme', 'coder', 2))!.config.sandbox).toEqual({ memoryMb: 128, egress: null, runtime: null });
    expect((await repo.agentVersion('acme', 'coder', 1))!.config.sandbox.egress).toEqual({ allow: ['pypi.org', '*.pythonhosted.org'] });
    // A version stored before sandboxes existed reads as the runner's defaults, no network.
    expect((await repo.agentVersion('acme', 'writer', 1))!.config.sandbox).toEqual({ egress: null, runtime: null });
  });

  it('refuses a value that would loosen the operator ceiling, naming it, and stores nothing', async () => {
    const refused = guarded().createAgent('acme', { id: 'greedy', config: withSandbox({ memoryMb: 4_096, runtime: 'kata' }) });
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow(
      /^agent config: sandbox.memoryMb: 4096 is above the operator's 512 \(SANDBOX_MEMORY_MB\); an agent's sandbox may only tighten; sandbox.runtime: "kata" is not a runtime the operator allows \(SANDBOX_RUNTIMES_ALLOWED: runsc\)$/,
    );
    await expect(guarded().updateAgent('acme', 'coder', { config: withSandbox({ cpus: 2 }) })).rejects.toThrow(/sandbox.cpus: 2 is above/);
    await expect(
      new ProvisioningRepository(dataSource, keys, { sandboxCeiling: { ...ceiling, egress: false } }).updateAgent('acme', 'coder', {
        config: withSandbox({ egress: { allow: ['example.com'] } }),
      }),
    ).rejects.toThrow(/SANDBOX_EGRESS=off/);
    await expect(guarded().createAgent('acme', { id: 'sneaky', config: withSandbox({ networkMode: 'host' }) })).rejects.toThrow(
      /agent config: sandbox: Unrecognized key: "networkMode"/,
    );
    expect(await repo.agent('acme', 'greedy')).toBeUndefined();
    expect((await repo.agent('acme', 'coder'))!.version).toBe(2);
  });

  it('is kept in shape by the table too, for a row written around the repository', async () => {
    const insert = (config: unknown) =>
      dataSource.query(`INSERT INTO provisioning.agent_versions (tenant_id, agent_id, version, config) VALUES ('acme', 'coder', 99, $1)`, [
        JSON.stringify(config),
      ]);
    for (const bad of [{ sandbox: 'open' }, { sandbox: { egress: { allow: 'everything' } } }, { sandbox: { egress: true } }, { sandbox: { runtime: 1 } }])
      await expect(insert({ instructions: 'x', ...bad })).rejects.toThrow(/agent_versions_sandbox_shape/);
  });
});

describe('channels', () => {
  it('stores credentials sealed, and opens them for the tenant only', async () => {
    const id = await repo.createChannel('acme', { kind: 'telegram', credentials: '123456:ABC-bot-token' });
    const [raw] = await dataSource.query(
      `SELECT credentials, credentials_key_id FROM provisioning.channels WHERE id = $1`,
      [id],
    );
    expect(raw.credentials_key_id).toBe('k1');
    expect((raw.credentials as Buffer).toString('latin1')).not.toContain('ABC-bot-token');
    expect(await repo.channelCredentials('acme', id)).toBe('123456:ABC-bot-token');
    await expect(repo.channelCredentials('globex', id)).rejects.toThrow(NotFoundError);
  });
});

describe('bindings, users and roles', () => {
  it('loads what routing needs of one tenant, and nothing of another', async () => {
    await repo.createAgent('acme', { id: 'critic', config: config('Criticize.') });
    const group = await repo.createGroup('acme', { channel: 'telegram', chatId: '-100' });
    await repo.bind('acme', group, { agentId: 'critic', engageMode: 'pattern', pattern: 'review' });
    const user = await repo.createUser('acme', 'Alice');
    await repo.addIdentity('acme', user, 'telegram', 'alice');
    await repo.grantRole('acme', user, 'owner');
    await repo.grantRole('acme', user, 'admin', 'critic');
    const acme = await repo.loadRouting('acme');
    expect(acme.groups.get(groupKey('telegram', '-100'))!.bindings).toEqual([
      expect.objectContaining({ agentId: 'critic', engageMode: 'pattern', pattern: 'review' }),
    ]);
    expect(acme.identities.get(identityKey('telegram', 'alice'))).toBe(user);
    // The HTTP channel's sender is the user of the caller's key: the user's own id is their identity there.
    expect(acme.identities.get(identityKey('http', user))).toBe(user);
    expect(acme.identities.get(identityKey('telegram', user))).toBeUndefined();
    expect(acme.roles.get(user)).toEqual(
      expect.arrayContaining([
        { userId: user, role: 'owner', agentId: null },
        { userId: user, role: 'admin', agentId: 'critic' },
      ]),
    );
    expect(acme.agents.get('critic')).toMatchObject({ enabled: true, currentVersion: 1, allowedModels: ['gpt-4.1'] });
    const globex = await repo.loadRouting('globex');
    expect([globex.groups.size, globex.identities.size, globex.roles.size, globex.agents.size]).toEqual([0, 0, 0, 0]);
  });

  it('ids guessed across tenants are never used', async () => {
    const acmeGroup = (await repo.loadRouting('acme')).groups.get(groupKey('telegram', '-100'))!.id;
    const acmeUser = [...(await repo.loadRouting('acme')).identities.values()][0]!;
    await repo.createAgent('globex', { id: 'spy', config: config('Spy.') });
    // globex binds its agent to acme's group, names acme's user, or acme's agent in its own group: none exists for globex.
    await expect(repo.bind('globex', acmeGroup, { agentId: 'spy', engageMode: 'always' })).rejects.toThrow(
      NotFoundError,
    );
    await expect(repo.addIdentity('globex', acmeUser, 'telegram', 'mallory')).rejects.toThrow(NotFoundError);
    await expect(repo.grantRole('globex', acmeUser, 'owner')).rejects.toThrow(NotFoundError);
    const globexGroup = await repo.createGroup('globex', { channel: 'telegram', chatId: '-100' });
    await expect(repo.bind('globex', globexGroup, { agentId: 'critic', engageMode: 'always' })).rejects.toThrow(
      NotFoundError,
    );
    await expect(repo.updateAgent('globex', 'critic', { enabled: false })).rejects.toThrow(NotFoundError);
    expect(await repo.agentVersion('globex', 'critic', 1)).toBeUndefined();
  });

  it('rejects an invalid or catastrophic-looking pattern when it is configured', async () => {
    const group = await repo.createGroup('acme', { channel: 'slack', chatId: 'C1' });
    await expect(
      repo.bind('acme', group, { agentId: 'critic', engageMode: 'pattern', pattern: '(a)\\1' }),
    ).rejects.toThrow(/invalid engage pattern/);
    await expect(
      repo.bind('acme', group, { agentId: 'critic', engageMode: 'pattern', pattern: '(?=x)' }),
    ).rejects.toThrow(ValidationError);
    await expect(repo.bind('acme', group, { agentId: 'critic', engageMode: 'pattern' })).rejects.toThrow(/pattern/);
    // Nothing was bound: the group routes with no bindings.
    expect((await repo.loadRouting('acme')).groups.get(groupKey('slack', 'C1'))?.bindings).toEqual([]);
  });
});
