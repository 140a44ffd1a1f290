import {
  AgentConfig,
  AgentId,
  ModelRef,
  type AgentRecord,
  type AgentVersionRecord,
  type RelationshipRecord,
} from '@clawfleet/provisioning';
import { z } from 'zod';
import { DisplayName } from '../http/ids';
import { iso } from '../provisioning/params';

/*
 * An agent is its name, whether it is enabled, and its configuration: every field of the
 * provisioning model's AgentConfig, parsed strictly (an unknown field is refused, nested ones too).
 */
const StrictModelRef = z.strictObject(ModelRef.shape);
export const AgentConfigInput = z.strictObject({
  ...AgentConfig.shape,
  models: z.array(StrictModelRef).max(10).default([]),
});

/** The same fields, each optional and without defaults: what a change names replaces, the rest is kept. */
export const AgentConfigChange = z
  .strictObject(
    Object.fromEntries(
      Object.entries(AgentConfigInput.shape).map(([k, s]) => [k, s instanceof z.ZodDefault ? s.unwrap() : s]),
    ) as unknown as { [K in keyof AgentConfig]: z.ZodType<AgentConfig[K]> },
  )
  .partial();

export const CreateAgent = z.strictObject({
  id: AgentId,
  name: DisplayName.optional(),
  enabled: z.boolean().default(true),
  config: AgentConfigInput,
});

/** A change: a new config (even of one field) is a new immutable version; name and enabled change in place. */
export const UpdateAgent = z.strictObject({
  name: DisplayName.optional(),
  enabled: z.boolean().optional(),
  config: AgentConfigChange.optional(),
});

const ConfigView = z.object({
  instructions: z.string(),
  models: z.array(ModelRef),
  allowedModels: z.array(z.string()),
  toolsAllowed: z.array(z.string()).nullable(),
  queueMode: AgentConfig.shape.queueMode.unwrap(),
  maxRounds: z.number().int(),
  tokenBudgetPerMonth: z.number().int(),
});

export const AgentView = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  /** The current version: what the next turn of every session runs with. */
  version: z.number().int(),
  revision: z.number().int(),
  config: ConfigView,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type AgentView = z.infer<typeof AgentView>;

export const agentView = (a: AgentRecord): AgentView => ({
  id: a.id,
  name: a.name,
  enabled: a.enabled,
  version: a.version,
  revision: a.revision,
  config: a.config,
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt),
});

export const AgentVersionView = z.object({
  agentId: z.string(),
  version: z.number().int(),
  config: ConfigView,
  createdAt: z.iso.datetime(),
});

export const versionView = (v: AgentVersionRecord) => ({
  agentId: v.agentId,
  version: v.version,
  config: v.config,
  createdAt: iso(v.createdAt),
});

export const RELATIONSHIP_KINDS = ['may-message'] as const;
export const CreateRelationship = z.strictObject({
  toAgentId: AgentId,
  /** may-message: the agent may send messages to the other. */
  kind: z.enum(RELATIONSHIP_KINDS).default('may-message'),
});
export const RelationshipView = z.object({
  fromAgentId: z.string(),
  toAgentId: z.string(),
  kind: z.string(),
  createdAt: z.iso.datetime(),
});
export const relationshipView = (r: RelationshipRecord) => ({
  fromAgentId: r.fromAgentId,
  toAgentId: r.toAgentId,
  kind: r.kind,
  createdAt: iso(r.createdAt),
});
