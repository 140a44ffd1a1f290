import { Channel, TenantId } from '@clawfleet/contracts';
import { z } from 'zod';
import { AgentSandbox, NO_AGENT_SANDBOX } from './sandbox';

/*
 * The provisioning model as data: what an agent is, how a group of a channel is bound to agents,
 * who may do what. Plain zod schemas and types, shared by the router, session-runner and admin-api;
 * the tables behind them are in ./migrations, the queries in ./provisioning.repository.ts.
 */

export { TenantId };

/** An agent's id within its tenant; also its handle in mentions (`@support`). */
export const AgentId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'agentId must be 1-100 of [A-Za-z0-9_-]');

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** When a binding's agent answers a message of its group. */
export const ENGAGE_MODES = ['always', 'pattern', 'mention', 'mention-sticky'] as const;
export type EngageMode = (typeof ENGAGE_MODES)[number];
/** Who may engage it: anyone, or only senders with an identity (a known user) in the tenant. */
export const SENDER_SCOPES = ['all', 'known'] as const;
export type SenderScope = (typeof SENDER_SCOPES)[number];
/** A message that does not engage the agent: forgotten, or kept as context for its next engaged turn. */
export const IGNORED_POLICIES = ['drop', 'accumulate'] as const;
export type IgnoredPolicy = (typeof IGNORED_POLICIES)[number];
/** Which session a message goes to: one per group, one per thread of it, one per user in it. */
export const SESSION_SCOPES = ['shared', 'per-thread', 'per-user'] as const;
export type SessionScope = (typeof SESSION_SCOPES)[number];

/**
 * What a binding with sender scope `known` does with a sender who has no identity: `ignore` them, or
 * `pair` — answer with a one-time code that an owner approves (`/pair <code>`, or the admin API),
 * which makes them a member. Never access without an approval.
 */
export const UNKNOWN_SENDER_POLICIES = ['ignore', 'pair'] as const;
export type UnknownSenderPolicy = (typeof UNKNOWN_SENDER_POLICIES)[number];

export const QUEUE_MODES = ['followup', 'collect', 'steer', 'interrupt'] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];
export const PROVIDER_KINDS = ['openai', 'openai-responses', 'anthropic'] as const;

/** One entry of a failover chain: the API it is served by and the model's name there. */
export const ModelRef = z.object({ provider: z.enum(PROVIDER_KINDS), model: z.string().min(1).max(200) });
export type ModelRef = z.infer<typeof ModelRef>;

const unique = (items: ReadonlyArray<{ name: string }>) => new Set(items.map((i) => i.name)).size === items.length;

/**
 * An MCP server the agent may use. No credential is a field: an agent version is data an admin reads,
 * and it is carried in the session's events. A URL with a user or password in it is refused. Not used
 * by any tool yet.
 */
export const McpServer = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an MCP server name must be 1-64 of [a-z0-9_-]'),
  transport: z.enum(['streamable-http', 'sse']).default('streamable-http'),
  url: z
    .url({ protocol: /^https?$/, error: 'url must be an http(s) URL' })
    .max(2_000)
    .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'url must not carry a user or password'),
  /** The server's tools the agent may call; null: all of them. */
  toolsAllowed: z.array(z.string().min(1).max(100)).max(200).nullable().default(null),
});
export type McpServer = z.infer<typeof McpServer>;

/** A skill: instructions the agent can take up when its description fits the task. Not used by any tool yet. */
export const Skill = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a skill name must be 1-64 of [a-z0-9-]'),
  description: z.string().min(1).max(1_024),
  instructions: z.string().min(1).max(20_000),
});
export type Skill = z.infer<typeof Skill>;

/** What one version of an agent is. Immutable once stored: a change is a new version. */
export const AgentConfig = z.object({
  instructions: z.string().min(1).max(100_000),
  /** The failover chain, first entry first; empty: session-runner's environment chain (MODEL_CHAIN / MODEL_NAME). */
  models: z.array(ModelRef).max(10).default([]),
  /** The models `/model <name>` may pin (owners and admins only); empty: pinning is not allowed. */
  allowedModels: z.array(z.string().min(1).max(200)).max(100).default([]),
  /** Tool names the agent may use; null: every tool the runner has. */
  toolsAllowed: z.array(z.string().min(1).max(100)).max(200).nullable().default(null),
  /** Its sandbox: lower limits than the runner's, a runtime, an egress allow-list (./sandbox.ts). */
  sandbox: AgentSandbox.default(NO_AGENT_SANDBOX),
  queueMode: z.enum(QUEUE_MODES).default('followup'),
  /** Model calls allowed in one turn. */
  maxRounds: z.number().int().min(1).max(200).default(16),
  /** Tokens this agent may use per calendar month; 0: the runner's TOKEN_BUDGET_PER_AGENT. */
  tokenBudgetPerMonth: z.number().int().min(0).default(0),
  /** MCP servers of this version, names unique (carried in AgentConfigured; no tool uses them yet). */
  mcpServers: z.array(McpServer).max(20).refine(unique, 'MCP server names must be unique').default([]),
  /** Skills of this version, names unique (carried in AgentConfigured; no tool uses them yet). */
  skills: z.array(Skill).max(20).refine(unique, 'skill names must be unique').default([]),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

export interface AgentVersion {
  readonly tenantId: string;
  readonly agentId: string;
  readonly version: number;
  readonly config: AgentConfig;
}

export interface AgentSummary {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly currentVersion: number;
  readonly allowedModels: readonly string[];
}

export const BindingInput = z
  .object({
    agentId: AgentId,
    engageMode: z.enum(ENGAGE_MODES),
    /** For `pattern`: an RE2 regular expression (linear time; no backreferences or lookaround). */
    pattern: z.string().min(1).max(500).nullable().default(null),
    senderScope: z.enum(SENDER_SCOPES).default('all'),
    ignoredPolicy: z.enum(IGNORED_POLICIES).default('drop'),
    sessionScope: z.enum(SESSION_SCOPES).default('shared'),
    /** With senderScope `known`: what a sender without an identity gets. */
    unknownSenders: z.enum(UNKNOWN_SENDER_POLICIES).default('ignore'),
  })
  .refine((b) => (b.engageMode === 'pattern') === (b.pattern !== null), {
    message: 'a pattern is given exactly when engageMode is "pattern"',
  });
export type BindingInput = z.input<typeof BindingInput>;

export interface Binding {
  readonly id: string;
  readonly groupId: string;
  readonly agentId: string;
  readonly engageMode: EngageMode;
  readonly pattern: string | null;
  readonly senderScope: SenderScope;
  readonly ignoredPolicy: IgnoredPolicy;
  readonly sessionScope: SessionScope;
  readonly unknownSenders: UnknownSenderPolicy;
}

/** A chat of a channel (and, when set, one thread or topic of it) that bindings attach agents to. */
export const GroupInput = z.object({
  channel: Channel,
  chatId: z.string().min(1).max(128),
  threadId: z.string().min(1).max(128).nullable().default(null),
  name: z.string().max(200).default(''),
  channelId: z.uuid().nullable().default(null),
});
export type GroupInput = z.input<typeof GroupInput>;

export interface RoleGrant {
  readonly userId: string;
  readonly role: Role;
  /** null: the role holds for every agent of the tenant. */
  readonly agentId: string | null;
}
