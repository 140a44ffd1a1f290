import type { Channel } from '@clawfleet/contracts';
import { ConflictError, NotFoundError, PreconditionFailedError, uuidV7Ids, ValidationError } from '@clawfleet/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { CredentialKeys } from './credentials';
import {
  AgentEntity,
  AgentRelationshipEntity,
  AgentVersionEntity,
  BindingEntity,
  ChannelEntity,
  ChannelIdentityEntity,
  MessagingGroupEntity,
  RoleEntity,
  TenantEntity,
  UserEntity,
} from './entities';
import {
  AgentConfig,
  AgentId,
  BindingInput,
  GroupInput,
  TenantId,
  type AgentVersion,
  type Binding,
  type Role,
  type RoleGrant,
} from './model';
import { compilePattern } from './patterns';
import { sandboxLoosening, type SandboxCeiling } from './sandbox';
import { groupKey, identityKey, type RoutingData } from './routing-data';

const parse = <T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
  value: unknown,
  what: string,
): T => {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ValidationError(`${what}: ${issue.path.map(String).join('.') || 'value'}: ${issue.message}`);
  }
  return result.data;
};

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/**
 * Reads and writes the provisioning model. Every method takes the tenant first and every statement
 * is scoped by it: an id of another tenant finds nothing (NotFoundError), never that tenant's row.
 * Writers publish `provisioning.changed` after a change (admin-api; `notify` here), so caches drop it.
 */
export class ProvisioningRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys?: CredentialKeys,
    /**
     * The operator's sandbox ceiling (session-runner's SANDBOX_* settings): an agent config whose
     * sandbox would loosen it is refused. Without it only the schema's own bounds apply (the runner
     * still clamps at use).
     */
    private readonly options: { sandboxCeiling?: SandboxCeiling } = {},
    private readonly tx?: EntityManager,
  ) {}

  /** The same repository inside the caller's transaction: its writes commit (or not) with the caller's. */
  in(manager: EntityManager): ProvisioningRepository {
    return new ProvisioningRepository(this.dataSource, this.keys, this.options, manager);
  }

  /** An agent config, validated, and refused when its sandbox would loosen the operator's ceiling. */
  private agentConfig(input: unknown): AgentConfig {
    const config = parse(AgentConfig, input, 'agent config');
    const loosening = this.options.sandboxCeiling ? sandboxLoosening(this.options.sandboxCeiling, config.sandbox) : [];
    if (loosening.length > 0) throw new ValidationError(`agent config: ${loosening.join('; ')}`);
    return config;
  }

  private get manager(): EntityManager {
    return this.tx ?? this.dataSource.manager;
  }

  /** A transaction of its own, or a savepoint of the caller's. */
  private transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.manager.transaction(work);
  }

  /** Creates the tenant unless it exists. */
  async ensureTenant(tenantId: string, options: { name?: string; defaultAgentId?: string } = {}): Promise<void> {
    parse(TenantId, tenantId, 'tenant');
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(TenantEntity)
      .values({ id: tenantId, name: options.name ?? tenantId, defaultAgentId: options.defaultAgentId ?? null })
      .orIgnore()
      .execute();
  }

  async setDefaultAgent(tenantId: string, agentId: string | null): Promise<void> {
    const result = await this.manager.update(TenantEntity, { id: tenantId }, { defaultAgentId: agentId });
    if (!result.affected) throw new NotFoundError(`tenant ${tenantId} does not exist`);
  }

  /** A new agent at version 1. */
  async createAgent(
    tenantId: string,
    input: { id: string; name?: string; enabled?: boolean; config: unknown },
  ): Promise<AgentVersion> {
    const id = parse(AgentId, input.id, 'agent id');
    const config = this.agentConfig(input.config);
    try {
      await this.transaction(async (tx) => {
        await tx.insert(AgentEntity, {
          tenantId,
          id,
          name: input.name ?? id,
          enabled: input.enabled ?? true,
          currentVersion: 1,
        });
        await tx.insert(AgentVersionEntity, { tenantId, agentId: id, version: 1, config });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`agent ${id} exists`);
      if ((error as { code?: string }).code === '23503') throw new NotFoundError(`tenant ${tenantId} does not exist`);
      throw error;
    }
    return { tenantId, agentId: id, version: 1, config };
  }

  /**
   * The environment's agent on first start: created at version 1 unless it exists (whatever its
   * config is now: the environment never overwrites what was provisioned).
   */
  async seedAgent(tenantId: string, agentId: string, config: unknown): Promise<void> {
    await this.ensureTenant(tenantId, { defaultAgentId: agentId });
    if (await this.manager.existsBy(AgentEntity, { tenantId, id: agentId })) return;
    try {
      await this.createAgent(tenantId, { id: agentId, config });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error; // another replica seeded it first
    }
  }

  /**
   * Changes an agent. A new config is a new version (the old ones stay, for the sessions that recorded
   * them); name and enabled change in place. Returns the current version.
   */
  async updateAgent(
    tenantId: string,
    agentId: string,
    change: { name?: string; enabled?: boolean; config?: unknown },
    options: { expectedRevision?: number } = {},
  ): Promise<AgentVersion> {
    const config = change.config === undefined ? undefined : this.agentConfig(change.config);
    return this.transaction(async (tx) => {
      const agent = await tx.findOne(AgentEntity, {
        where: { tenantId, id: agentId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!agent) throw new NotFoundError(`agent ${agentId} does not exist`);
      if (options.expectedRevision !== undefined && agent.revision !== options.expectedRevision)
        throw new PreconditionFailedError(
          `agent ${agentId} is at revision ${agent.revision}, not ${options.expectedRevision}: read it again`,
        );
      let version = agent.currentVersion;
      if (config) {
        version += 1;
        await tx.insert(AgentVersionEntity, { tenantId, agentId, version, config });
      }
      await tx.update(
        AgentEntity,
        { tenantId, id: agentId },
        {
          currentVersion: version,
          revision: agent.revision + 1,
          ...(change.name !== undefined && { name: change.name }),
          ...(change.enabled !== undefined && { enabled: change.enabled }),
        },
      );
      const current = config ?? (await tx.findOneByOrFail(AgentVersionEntity, { tenantId, agentId, version })).config;
      return { tenantId, agentId, version, config: AgentConfig.parse(current) };
    });
  }

  /** One version of an agent's configuration; versions never change, so callers may cache it for good. */
  async agentVersion(tenantId: string, agentId: string, version: number): Promise<AgentVersion | undefined> {
    const row = await this.manager.findOneBy(AgentVersionEntity, { tenantId, agentId, version });
    return row ? { tenantId, agentId, version, config: AgentConfig.parse(row.config) } : undefined;
  }

  async agent(
    tenantId: string,
    agentId: string,
  ): Promise<(AgentVersion & { enabled: boolean; name: string }) | undefined> {
    const agent = await this.manager.findOneBy(AgentEntity, { tenantId, id: agentId });
    if (!agent) return undefined;
    const version = await this.agentVersion(tenantId, agentId, agent.currentVersion);
    return version && { ...version, enabled: agent.enabled, name: agent.name };
  }

  /** A bot or workspace of a channel; `credentials` (a token, a signing secret) is stored sealed. */
  async createChannel(
    tenantId: string,
    input: { kind: Channel; name?: string; credentials?: string },
  ): Promise<string> {
    const id = uuidV7Ids.next();
    let sealed: { keyId: string; data: Buffer } | undefined;
    if (input.credentials !== undefined) {
      if (!this.keys?.currentKeyId)
        throw new ValidationError('no CREDENTIALS_KEYS configured: credentials cannot be stored');
      sealed = this.keys.seal(input.credentials, { tenantId, id });
    }
    await this.manager.insert(ChannelEntity, {
      tenantId,
      id,
      kind: input.kind,
      name: input.name ?? '',
      credentials: sealed?.data ?? null,
      credentialsKeyId: sealed?.keyId ?? null,
      credentialsSetAt: sealed ? new Date() : null,
    });
    return id;
  }

  /** The channel's credentials in clear: for the service that talks to the channel, nothing else. */
  async channelCredentials(tenantId: string, channelId: string): Promise<string | undefined> {
    const row = await this.manager
      .createQueryBuilder(ChannelEntity, 'c')
      .addSelect('c.credentials')
      .where('c.tenant_id = :tenantId AND c.id = :channelId', { tenantId, channelId })
      .getOne();
    if (!row) throw new NotFoundError(`channel ${channelId} does not exist`);
    if (!row.credentials || !row.credentialsKeyId) return undefined;
    if (!this.keys) throw new Error('no CREDENTIALS_KEYS configured: credentials cannot be read');
    return this.keys.open({ keyId: row.credentialsKeyId, data: row.credentials }, { tenantId, id: channelId });
  }

  /** Re-encrypts the tenant's credentials under the current key; returns how many changed. */
  async rotateCredentials(tenantId: string): Promise<number> {
    if (!this.keys) throw new Error('no CREDENTIALS_KEYS configured');
    const rows: Array<{ id: string; credentials: Buffer; credentials_key_id: string }> = await this.manager.query(
      `SELECT id, credentials, credentials_key_id FROM provisioning.channels
       WHERE tenant_id = $1 AND credentials IS NOT NULL AND credentials_key_id <> $2`,
      [tenantId, this.keys.currentKeyId],
    );
    for (const row of rows) {
      const sealed = this.keys.reencrypt(
        { keyId: row.credentials_key_id, data: row.credentials },
        { tenantId, id: row.id },
      );
      await this.manager.update(
        ChannelEntity,
        { tenantId, id: row.id },
        { credentials: sealed.data, credentialsKeyId: sealed.keyId },
      );
    }
    return rows.length;
  }

  async createGroup(tenantId: string, input: GroupInput): Promise<string> {
    const group = parse(GroupInput, input, 'messaging group');
    const id = uuidV7Ids.next();
    try {
      await this.manager.insert(MessagingGroupEntity, { tenantId, id, ...group });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`a group for ${group.channel} chat ${group.chatId} exists`);
      if ((error as { code?: string }).code === '23503')
        throw new NotFoundError(`channel ${group.channelId} does not exist`);
      throw error;
    }
    return id;
  }

  /** Binds an agent of the tenant to a group of the tenant; a pattern must compile with RE2. */
  async bind(tenantId: string, groupId: string, input: BindingInput): Promise<string> {
    const binding = parse(BindingInput, input, 'binding');
    if (binding.pattern !== null) compilePattern(binding.pattern);
    const id = uuidV7Ids.next();
    try {
      await this.manager.insert(BindingEntity, { tenantId, id, groupId, ...binding });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`agent ${binding.agentId} is bound to the group already`);
      if ((error as { code?: string }).code === '23503')
        throw new NotFoundError(`group ${groupId} or agent ${binding.agentId} does not exist`);
      throw error;
    }
    return id;
  }

  async unbind(tenantId: string, bindingId: string): Promise<void> {
    const result = await this.manager.delete(BindingEntity, { tenantId, id: bindingId });
    if (!result.affected) throw new NotFoundError(`binding ${bindingId} does not exist`);
  }

  async createUser(tenantId: string, displayName = ''): Promise<string> {
    const id = uuidV7Ids.next();
    await this.manager.insert(UserEntity, { tenantId, id, displayName });
    return id;
  }

  /** The sender id `externalId` on `channel` is this user. */
  async addIdentity(tenantId: string, userId: string, channel: Channel, externalId: string): Promise<void> {
    try {
      await this.manager.insert(ChannelIdentityEntity, { tenantId, userId, channel, externalId });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`${channel} sender ${externalId} is a user already`);
      if ((error as { code?: string }).code === '23503') throw new NotFoundError(`user ${userId} does not exist`);
      throw error;
    }
  }

  /** Gives a user a role for the tenant (agentId null) or for one agent; replaces the role it had there. */
  async grantRole(tenantId: string, userId: string, role: Role, agentId: string | null = null): Promise<void> {
    try {
      await this.manager.upsert(RoleEntity, { tenantId, userId, agentId: agentId ?? '', role }, [
        'tenantId',
        'userId',
        'agentId',
      ]);
    } catch (error) {
      if ((error as { code?: string }).code === '23503') throw new NotFoundError(`user ${userId} does not exist`);
      throw error;
    }
  }

  async relateAgents(tenantId: string, fromAgentId: string, toAgentId: string, kind = 'may-message'): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(AgentRelationshipEntity)
      .values({ tenantId, fromAgentId, toAgentId, kind })
      .orIgnore()
      .execute();
  }

  async related(tenantId: string, fromAgentId: string, toAgentId: string, kind = 'may-message'): Promise<boolean> {
    return this.manager.existsBy(AgentRelationshipEntity, { tenantId, fromAgentId, toAgentId, kind });
  }

  /** What routing needs of a tenant, in five statements (see RoutingData). */
  async loadRouting(tenantId: string): Promise<RoutingData> {
    const q = <R>(sql: string) => this.manager.query(sql, [tenantId]) as Promise<R[]>;
    const [tenants, agents, bindings, identities, roles] = await Promise.all([
      q<{ default_agent_id: string | null; enabled: boolean }>(
        `SELECT default_agent_id, enabled FROM provisioning.tenants WHERE id = $1`,
      ),
      q<{ id: string; name: string; enabled: boolean; current_version: number; allowed: string[] | null }>(
        `SELECT a.id, a.name, a.enabled, a.current_version, v.config -> 'allowedModels' AS allowed
         FROM provisioning.agents a
         JOIN provisioning.agent_versions v ON v.tenant_id = a.tenant_id AND v.agent_id = a.id AND v.version = a.current_version
         WHERE a.tenant_id = $1`,
      ),
      // Every group, with its bindings (none: they were all deleted, and the chat is refused with a notice).
      q<{
        id: string | null;
        group_id: string;
        channel: string;
        chat_id: string;
        thread_id: string | null;
        agent_id: string;
        engage_mode: Binding['engageMode'];
        pattern: string | null;
        sender_scope: Binding['senderScope'];
        ignored_policy: Binding['ignoredPolicy'];
        session_scope: Binding['sessionScope'];
        unknown_senders: Binding['unknownSenders'];
      }>(
        `SELECT b.id, g.id AS group_id, g.channel, g.chat_id, g.thread_id, b.agent_id, b.engage_mode, b.pattern,
                b.sender_scope, b.ignored_policy, b.session_scope, b.unknown_senders
         FROM provisioning.messaging_groups g
         LEFT JOIN provisioning.bindings b ON b.tenant_id = g.tenant_id AND b.group_id = g.id
         WHERE g.tenant_id = $1 ORDER BY b.created_at, b.id`,
      ),
      // The HTTP channel's sender is the user of the caller's key: a user's own id is their http
      // identity (listed last, so no stored identity can take it), beside any stored one.
      q<{ channel: string; external_id: string; user_id: string }>(
        `SELECT channel, external_id, user_id::text FROM provisioning.channel_identities WHERE tenant_id = $1
         UNION ALL
         SELECT 'http', id::text, id::text FROM provisioning.users WHERE tenant_id = $1`,
      ),
      q<{ user_id: string; agent_id: string; role: Role }>(
        `SELECT user_id, agent_id, role FROM provisioning.roles WHERE tenant_id = $1`,
      ),
    ]);
    const groups = new Map<string, { id: string; bindings: Binding[] }>();
    for (const b of bindings) {
      const key = groupKey(b.channel, b.chat_id, b.thread_id);
      const group = groups.get(key) ?? { id: b.group_id, bindings: [] };
      groups.set(key, group);
      if (b.id === null) continue;
      group.bindings.push({
        id: b.id,
        groupId: b.group_id,
        agentId: b.agent_id,
        engageMode: b.engage_mode,
        pattern: b.pattern,
        senderScope: b.sender_scope,
        ignoredPolicy: b.ignored_policy,
        sessionScope: b.session_scope,
        unknownSenders: b.unknown_senders,
      });
    }
    const grants = new Map<string, RoleGrant[]>();
    for (const r of roles)
      grants.set(r.user_id, [
        ...(grants.get(r.user_id) ?? []),
        { userId: r.user_id, role: r.role, agentId: r.agent_id || null },
      ]);
    return {
      tenantId,
      exists: tenants.length > 0 && tenants[0]!.enabled,
      disabled: tenants[0]?.enabled === false,
      defaultAgentId: tenants[0]?.default_agent_id ?? null,
      agents: new Map(
        agents.map((a) => [
          a.id,
          {
            id: a.id,
            name: a.name,
            enabled: a.enabled,
            currentVersion: a.current_version,
            allowedModels: a.allowed ?? [],
          },
        ]),
      ),
      groups,
      identities: new Map(identities.map((i) => [identityKey(i.channel, i.external_id), i.user_id])),
      roles: grants,
    };
  }
}
