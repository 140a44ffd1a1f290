import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type {
  AgentConfig,
  EngageMode,
  IgnoredPolicy,
  Role,
  SenderScope,
  SessionScope,
  UnknownSenderPolicy,
} from './model';

/*
 * TypeORM entities of the provisioning tables (created by ./migrations, never by synchronize).
 * Every primary key starts with tenant_id, so no lookup can leave out the tenant.
 */

@Entity({ schema: 'provisioning', name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'default_agent_id', nullable: true }) defaultAgentId!: string | null;
  @Column('boolean') enabled!: boolean;
  /** Incremented by every change: the admin API's ETag. */
  @Column('integer') revision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'agents' })
export class AgentEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('boolean') enabled!: boolean;
  @Column('integer', { name: 'current_version' }) currentVersion!: number;
  @Column('integer') revision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'agent_versions' })
export class AgentVersionEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text', { name: 'agent_id' }) agentId!: string;
  @PrimaryColumn('integer') version!: number;
  @Column('jsonb') config!: AgentConfig;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'channels' })
export class ChannelEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid') id!: string;
  @Column('text') kind!: string;
  @Column('text') name!: string;
  /** Sealed: never returned, logged or traced (see credentials.ts). */
  @Column('bytea', { nullable: true, select: false }) credentials!: Buffer | null;
  @Column('text', { name: 'credentials_key_id', nullable: true }) credentialsKeyId!: string | null;
  @Column('timestamptz', { name: 'credentials_set_at', nullable: true }) credentialsSetAt!: Date | null;
  @Column('integer') revision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'messaging_groups' })
export class MessagingGroupEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'channel_id', nullable: true }) channelId!: string | null;
  @Column('text') channel!: string;
  @Column('text', { name: 'chat_id' }) chatId!: string;
  @Column('text', { name: 'thread_id', nullable: true }) threadId!: string | null;
  @Column('text') name!: string;
  @Column('integer') revision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'bindings' })
export class BindingEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'group_id' }) groupId!: string;
  @Column('text', { name: 'agent_id' }) agentId!: string;
  @Column('text', { name: 'engage_mode' }) engageMode!: EngageMode;
  @Column('text', { nullable: true }) pattern!: string | null;
  @Column('text', { name: 'sender_scope' }) senderScope!: SenderScope;
  @Column('text', { name: 'ignored_policy' }) ignoredPolicy!: IgnoredPolicy;
  @Column('text', { name: 'session_scope' }) sessionScope!: SessionScope;
  @Column('text', { name: 'unknown_senders' }) unknownSenders!: UnknownSenderPolicy;
  @Column('integer') revision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'users' })
export class UserEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { name: 'display_name' }) displayName!: string;
  @Column('integer') revision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'channel_identities' })
export class ChannelIdentityEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text') channel!: string;
  @PrimaryColumn('text', { name: 'external_id' }) externalId!: string;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'roles' })
export class RoleEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId!: string;
  /** '' for a tenant-wide role. */
  @PrimaryColumn('text', { name: 'agent_id' }) agentId!: string;
  @Column('text') role!: Role;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'provisioning', name: 'agent_relationships' })
export class AgentRelationshipEntity {
  @PrimaryColumn('text', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text', { name: 'from_agent_id' }) fromAgentId!: string;
  @PrimaryColumn('text', { name: 'to_agent_id' }) toAgentId!: string;
  @PrimaryColumn('text') kind!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

export const provisioningEntities = [
  TenantEntity,
  AgentEntity,
  AgentVersionEntity,
  ChannelEntity,
  MessagingGroupEntity,
  BindingEntity,
  UserEntity,
  ChannelIdentityEntity,
  RoleEntity,
  AgentRelationshipEntity,
];
