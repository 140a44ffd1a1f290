import type { Channel } from '@clawfleet/contracts';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '@clawfleet/platform';
import { MoreThan, type DataSource, type EntityManager, type EntityTarget, type FindOptionsWhere } from 'typeorm';
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
import { AgentConfig, BindingInput, TenantId, type Role } from './model';
import { compilePattern } from './patterns';

/*
 * The provisioning model as the admin API edits it: pages (keyset on the id), reads that carry the
 * revision (the ETag), compare-and-set updates and deletes. Creates go through ProvisioningRepository;
 * both take the caller's transaction, so a change commits with its audit event and announcement.
 * Every statement is scoped by the tenant: another tenant's id is NotFoundError, never its row.
 */

export interface PageRequest {
  readonly after?: string;
  readonly limit: number;
}

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly defaultAgentId: string | null;
  readonly enabled: boolean;
  readonly revision: number;
  readonly createdAt: Date;
}

export interface AgentRecord {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly version: number;
  readonly config: AgentConfig;
  readonly revision: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface AgentVersionRecord {
  readonly agentId: string;
  readonly version: number;
  readonly config: AgentConfig;
  readonly createdAt: Date;
}

/** A channel as anyone may see it: when its credentials were set and under which key, never them. */
export interface ChannelRecord {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly credentialsKeyId: string | null;
  readonly credentialsSetAt: Date | null;
  readonly revision: number;
  readonly createdAt: Date;
}

export interface GroupRecord {
  readonly id: string;
  readonly channel: string;
  readonly chatId: string;
  readonly threadId: string | null;
  readonly name: string;
  readonly channelId: string | null;
  readonly revision: number;
  readonly createdAt: Date;
}

export type BindingRecord = Omit<BindingEntity, 'tenantId'>;
export type UserRecord = Omit<UserEntity, 'tenantId'>;
export type IdentityRecord = Omit<ChannelIdentityEntity, 'tenantId'>;
export interface RoleRecord {
  readonly userId: string;
  readonly role: Role;
  /** null: for every agent of the tenant. */
  readonly agentId: string | null;
  readonly createdAt: Date;
}
export type RelationshipRecord = Omit<AgentRelationshipEntity, 'tenantId'>;

/** A change that names the revision it was made against (If-Match); undefined: whatever is current. */
export interface Expect {
  readonly revision?: number;
}

const fk = (error: unknown) => (error as { code?: string }).code === '23503';
const unique = (error: unknown) => (error as { code?: string }).code === '23505';

const stale = (what: string, current: number, expected: number) =>
  new PreconditionFailedError(`${what} is at revision ${current}, not ${expected}: read it again`);

export class ProvisioningResources {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys?: CredentialKeys,
    private readonly tx?: EntityManager,
  ) {}

  in(manager: EntityManager): ProvisioningResources {
    return new ProvisioningResources(this.dataSource, this.keys, manager);
  }

  private get m(): EntityManager {
    return this.tx ?? this.dataSource.manager;
  }

  private page<E extends object>(
    entity: EntityTarget<E>,
    where: FindOptionsWhere<E>,
    key: keyof E & string,
    page: PageRequest,
  ): Promise<E[]> {
    return this.m.find(entity, {
      where: { ...where, ...(page.after !== undefined && { [key]: MoreThan(page.after) }) } as FindOptionsWhere<E>,
      order: { [key]: 'ASC' } as never,
      take: page.limit,
    });
  }

  /**
   * Locks the row and checks the revision the caller read: the compare of compare-and-set. Another
   * writer waits for this transaction, then sees the new revision and is refused with 412.
   */
  private async locked<E extends { revision: number }>(
    entity: EntityTarget<E>,
    where: FindOptionsWhere<E>,
    what: string,
    expect: Expect,
  ): Promise<E> {
    const row = await this.m.findOne(entity, { where, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new NotFoundError(`${what} does not exist`);
    if (expect.revision !== undefined && row.revision !== expect.revision)
      throw stale(what, row.revision, expect.revision);
    return row;
  }

  // ---- tenants

  async createTenant(input: { id: string; name?: string }): Promise<TenantRecord> {
    const id = TenantId.parse(input.id);
    try {
      await this.m.insert(TenantEntity, { id, name: input.name ?? id });
    } catch (error) {
      if (unique(error)) throw new ConflictError(`tenant ${id} exists`);
      throw error;
    }
    return (await this.tenant(id))!;
  }

  tenants(page: PageRequest): Promise<TenantRecord[]> {
    return this.page(TenantEntity, {}, 'id', page);
  }

  async tenant(id: string): Promise<TenantRecord | undefined> {
    return (await this.m.findOneBy(TenantEntity, { id })) ?? undefined;
  }

  async updateTenant(
    id: string,
    change: { name?: string; defaultAgentId?: string | null; enabled?: boolean },
    expect: Expect,
  ): Promise<TenantRecord> {
    const row = await this.locked(TenantEntity, { id }, `tenant ${id}`, expect);
    if (change.defaultAgentId && !(await this.m.existsBy(AgentEntity, { tenantId: id, id: change.defaultAgentId })))
      throw new ValidationError(`defaultAgentId: agent ${change.defaultAgentId} does not exist in tenant ${id}`);
    await this.m.update(TenantEntity, { id }, { ...change, revision: row.revision + 1 });
    return (await this.tenant(id))!;
  }

  // ---- agents

  async agents(tenantId: string, page: PageRequest): Promise<AgentRecord[]> {
    const rows = await this.page(AgentEntity, { tenantId }, 'id', page);
    if (rows.length === 0) return [];
    const versions = await this.m.query(
      `SELECT v.agent_id, v.config FROM provisioning.agent_versions v
       JOIN provisioning.agents a ON a.tenant_id = v.tenant_id AND a.id = v.agent_id AND a.current_version = v.version
       WHERE v.tenant_id = $1 AND v.agent_id = ANY($2::text[])`,
      [tenantId, rows.map((r) => r.id)],
    );
    const configs = new Map<string, unknown>(
      versions.map((v: { agent_id: string; config: unknown }) => [v.agent_id, v.config]),
    );
    return rows.map((a) => agentRecord(a, configs.get(a.id)));
  }

  async agent(tenantId: string, agentId: string): Promise<AgentRecord | undefined> {
    const row = await this.m.findOneBy(AgentEntity, { tenantId, id: agentId });
    if (!row) return undefined;
    const version = await this.m.findOneByOrFail(AgentVersionEntity, {
      tenantId,
      agentId,
      version: row.currentVersion,
    });
    return agentRecord(row, version.config);
  }

  async agentVersions(tenantId: string, agentId: string, page: PageRequest): Promise<AgentVersionRecord[] | undefined> {
    if (!(await this.m.existsBy(AgentEntity, { tenantId, id: agentId }))) return undefined;
    const after = page.after === undefined ? 0 : Number(page.after);
    const rows = await this.m.find(AgentVersionEntity, {
      where: { tenantId, agentId, version: MoreThan(after) },
      order: { version: 'ASC' },
      take: page.limit,
    });
    return rows.map(versionRecord);
  }

  async agentVersion(tenantId: string, agentId: string, version: number): Promise<AgentVersionRecord | undefined> {
    const row = await this.m.findOneBy(AgentVersionEntity, { tenantId, agentId, version });
    return row ? versionRecord(row) : undefined;
  }

  /** Deletes the agent, its versions, bindings and relationships; the tenant's default is cleared. */
  async deleteAgent(tenantId: string, agentId: string, expect: Expect): Promise<AgentRecord> {
    await this.locked(AgentEntity, { tenantId, id: agentId }, `agent ${agentId}`, expect);
    const record = (await this.agent(tenantId, agentId))!;
    await this.m.update(TenantEntity, { id: tenantId, defaultAgentId: agentId }, { defaultAgentId: null });
    await this.m.delete(AgentEntity, { tenantId, id: agentId });
    return record;
  }

  // ---- channels

  channels(tenantId: string, page: PageRequest): Promise<ChannelRecord[]> {
    return this.page(ChannelEntity, { tenantId }, 'id', page);
  }

  async channel(tenantId: string, id: string): Promise<ChannelRecord | undefined> {
    return (await this.m.findOneBy(ChannelEntity, { tenantId, id })) ?? undefined;
  }

  async updateChannel(tenantId: string, id: string, change: { name?: string }, expect: Expect): Promise<ChannelRecord> {
    const row = await this.locked(ChannelEntity, { tenantId, id }, `channel ${id}`, expect);
    await this.m.update(ChannelEntity, { tenantId, id }, { ...change, revision: row.revision + 1 });
    return (await this.channel(tenantId, id))!;
  }

  /** Replaces the channel's credentials (a new bot token): sealed under the current key. */
  async setChannelCredentials(
    tenantId: string,
    id: string,
    credentials: string,
    expect: Expect,
  ): Promise<ChannelRecord> {
    if (!this.keys?.currentKeyId)
      throw new ValidationError('no CREDENTIALS_KEYS configured: credentials cannot be stored');
    const row = await this.locked(ChannelEntity, { tenantId, id }, `channel ${id}`, expect);
    const sealed = this.keys.seal(credentials, { tenantId, id });
    await this.m.update(
      ChannelEntity,
      { tenantId, id },
      {
        credentials: sealed.data,
        credentialsKeyId: sealed.keyId,
        credentialsSetAt: new Date(),
        revision: row.revision + 1,
      },
    );
    return (await this.channel(tenantId, id))!;
  }

  async deleteChannel(tenantId: string, id: string, expect: Expect): Promise<ChannelRecord> {
    const row = await this.locked(ChannelEntity, { tenantId, id }, `channel ${id}`, expect);
    await this.m.delete(ChannelEntity, { tenantId, id });
    return row;
  }

  // ---- messaging groups

  groups(tenantId: string, page: PageRequest): Promise<GroupRecord[]> {
    return this.page(MessagingGroupEntity, { tenantId }, 'id', page);
  }

  async group(tenantId: string, id: string): Promise<GroupRecord | undefined> {
    return (await this.m.findOneBy(MessagingGroupEntity, { tenantId, id })) ?? undefined;
  }

  async updateGroup(tenantId: string, id: string, change: { name?: string }, expect: Expect): Promise<GroupRecord> {
    const row = await this.locked(MessagingGroupEntity, { tenantId, id }, `group ${id}`, expect);
    await this.m.update(MessagingGroupEntity, { tenantId, id }, { ...change, revision: row.revision + 1 });
    return (await this.group(tenantId, id))!;
  }

  async deleteGroup(tenantId: string, id: string, expect: Expect): Promise<GroupRecord> {
    const row = await this.locked(MessagingGroupEntity, { tenantId, id }, `group ${id}`, expect);
    await this.m.delete(MessagingGroupEntity, { tenantId, id });
    return row;
  }

  // ---- bindings

  bindings(tenantId: string, page: PageRequest, filter: { groupId?: string } = {}): Promise<BindingRecord[]> {
    return this.page(BindingEntity, { tenantId, ...(filter.groupId && { groupId: filter.groupId }) }, 'id', page);
  }

  async binding(tenantId: string, id: string): Promise<BindingRecord | undefined> {
    return (await this.m.findOneBy(BindingEntity, { tenantId, id })) ?? undefined;
  }

  /** How the bound agent engages; the result is validated as a whole (a pattern exactly for `pattern`, RE2). */
  async updateBinding(
    tenantId: string,
    id: string,
    change: Partial<Omit<BindingInput, 'agentId'>>,
    expect: Expect,
  ): Promise<BindingRecord> {
    const row = await this.locked(BindingEntity, { tenantId, id }, `binding ${id}`, expect);
    const merged = {
      agentId: row.agentId,
      engageMode: change.engageMode ?? row.engageMode,
      pattern:
        change.pattern !== undefined
          ? change.pattern
          : change.engageMode && change.engageMode !== 'pattern'
            ? null
            : row.pattern,
      senderScope: change.senderScope ?? row.senderScope,
      ignoredPolicy: change.ignoredPolicy ?? row.ignoredPolicy,
      sessionScope: change.sessionScope ?? row.sessionScope,
    };
    const parsed = BindingInput.safeParse(merged);
    if (!parsed.success) throw new ValidationError(`binding: ${parsed.error.issues[0]!.message}`);
    if (parsed.data.pattern !== null) compilePattern(parsed.data.pattern);
    const { agentId: _same, ...set } = parsed.data;
    await this.m.update(BindingEntity, { tenantId, id }, { ...set, revision: row.revision + 1 });
    return (await this.binding(tenantId, id))!;
  }

  async deleteBinding(tenantId: string, id: string, expect: Expect): Promise<BindingRecord> {
    const row = await this.locked(BindingEntity, { tenantId, id }, `binding ${id}`, expect);
    await this.m.delete(BindingEntity, { tenantId, id });
    return row;
  }

  // ---- users, identities, roles

  users(tenantId: string, page: PageRequest): Promise<UserRecord[]> {
    return this.page(UserEntity, { tenantId }, 'id', page);
  }

  async user(tenantId: string, id: string): Promise<UserRecord | undefined> {
    return (await this.m.findOneBy(UserEntity, { tenantId, id })) ?? undefined;
  }

  async updateUser(
    tenantId: string,
    id: string,
    change: { displayName?: string },
    expect: Expect,
  ): Promise<UserRecord> {
    const row = await this.locked(UserEntity, { tenantId, id }, `user ${id}`, expect);
    await this.m.update(UserEntity, { tenantId, id }, { ...change, revision: row.revision + 1 });
    return (await this.user(tenantId, id))!;
  }

  /** Deletes the user with their identities and roles. */
  async deleteUser(tenantId: string, id: string, expect: Expect): Promise<UserRecord> {
    const row = await this.locked(UserEntity, { tenantId, id }, `user ${id}`, expect);
    await this.m.delete(UserEntity, { tenantId, id });
    return row;
  }

  async identities(tenantId: string, userId: string): Promise<IdentityRecord[]> {
    return this.m.find(ChannelIdentityEntity, {
      where: { tenantId, userId },
      order: { channel: 'ASC', externalId: 'ASC' },
    });
  }

  async identity(tenantId: string, channel: Channel, externalId: string): Promise<IdentityRecord | undefined> {
    return (await this.m.findOneBy(ChannelIdentityEntity, { tenantId, channel, externalId })) ?? undefined;
  }

  async removeIdentity(
    tenantId: string,
    userId: string,
    channel: Channel,
    externalId: string,
  ): Promise<IdentityRecord> {
    const row = await this.m.findOneBy(ChannelIdentityEntity, { tenantId, userId, channel, externalId });
    if (!row) throw new NotFoundError(`user ${userId} has no ${channel} identity ${externalId}`);
    await this.m.delete(ChannelIdentityEntity, { tenantId, userId, channel, externalId });
    return row;
  }

  async roles(tenantId: string, userId: string): Promise<RoleRecord[]> {
    const rows = await this.m.find(RoleEntity, { where: { tenantId, userId }, order: { agentId: 'ASC' } });
    return rows.map(roleRecord);
  }

  /** Grants (or replaces) a role; for one agent, that agent must be the tenant's. */
  async grantRole(tenantId: string, userId: string, role: Role, agentId: string | null): Promise<RoleRecord> {
    if (!(await this.m.existsBy(UserEntity, { tenantId, id: userId })))
      throw new NotFoundError(`user ${userId} does not exist`);
    if (agentId !== null && !(await this.m.existsBy(AgentEntity, { tenantId, id: agentId })))
      throw new NotFoundError(`agent ${agentId} does not exist`);
    await this.m.upsert(RoleEntity, { tenantId, userId, agentId: agentId ?? '', role }, [
      'tenantId',
      'userId',
      'agentId',
    ]);
    return roleRecord(await this.m.findOneByOrFail(RoleEntity, { tenantId, userId, agentId: agentId ?? '' }));
  }

  async revokeRole(tenantId: string, userId: string, agentId: string | null): Promise<RoleRecord> {
    const row = await this.m.findOneBy(RoleEntity, { tenantId, userId, agentId: agentId ?? '' });
    if (!row)
      throw new NotFoundError(`user ${userId} has no role ${agentId ? `for agent ${agentId}` : 'for the tenant'}`);
    await this.m.delete(RoleEntity, { tenantId, userId, agentId: agentId ?? '' });
    return roleRecord(row);
  }

  // ---- agent relationships

  async relationships(tenantId: string, fromAgentId: string): Promise<RelationshipRecord[] | undefined> {
    if (!(await this.m.existsBy(AgentEntity, { tenantId, id: fromAgentId }))) return undefined;
    return this.m.find(AgentRelationshipEntity, {
      where: { tenantId, fromAgentId },
      order: { toAgentId: 'ASC', kind: 'ASC' },
    });
  }

  async relate(tenantId: string, fromAgentId: string, toAgentId: string, kind: string): Promise<RelationshipRecord> {
    try {
      await this.m.insert(AgentRelationshipEntity, { tenantId, fromAgentId, toAgentId, kind });
    } catch (error) {
      if (unique(error)) throw new ConflictError(`agent ${fromAgentId} is related to ${toAgentId} (${kind}) already`);
      if (fk(error)) throw new NotFoundError(`agent ${fromAgentId} or ${toAgentId} does not exist`);
      throw error;
    }
    return this.m.findOneByOrFail(AgentRelationshipEntity, { tenantId, fromAgentId, toAgentId, kind });
  }

  async unrelate(tenantId: string, fromAgentId: string, toAgentId: string, kind: string): Promise<RelationshipRecord> {
    const row = await this.m.findOneBy(AgentRelationshipEntity, { tenantId, fromAgentId, toAgentId, kind });
    if (!row) throw new NotFoundError(`agent ${fromAgentId} has no ${kind} relationship to ${toAgentId}`);
    await this.m.delete(AgentRelationshipEntity, { tenantId, fromAgentId, toAgentId, kind });
    return row;
  }
}

function agentRecord(a: AgentEntity, config: unknown): AgentRecord {
  return {
    id: a.id,
    name: a.name,
    enabled: a.enabled,
    version: a.currentVersion,
    config: AgentConfig.parse(config),
    revision: a.revision,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

const versionRecord = (v: AgentVersionEntity): AgentVersionRecord => ({
  agentId: v.agentId,
  version: v.version,
  config: AgentConfig.parse(v.config),
  createdAt: v.createdAt,
});

const roleRecord = (r: RoleEntity): RoleRecord => ({
  userId: r.userId,
  role: r.role,
  agentId: r.agentId || null,
  createdAt: r.createdAt,
});
