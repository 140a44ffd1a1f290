import { AgentId, TenantId, type TenantRecord } from '@clawfleet/provisioning';
import { z } from 'zod';
import { DisplayName } from '../http/ids';
import { iso } from '../provisioning/params';

export const CreateTenant = z.strictObject({ id: TenantId, name: DisplayName.optional() });

/** What a tenant's own admins may change. */
export const UpdateTenant = z.strictObject({
  name: DisplayName.optional(),
  /** The agent of chats that have no binding; null: none (they are refused). */
  defaultAgentId: AgentId.nullable().optional(),
});
/** What a platform admin may change besides: whether the tenant works at all. */
export const UpdateTenantAsPlatform = UpdateTenant.extend({
  /** false: the router refuses every message of the tenant; its data and keys stay. */
  enabled: z.boolean().optional(),
});

export const TenantView = z.object({
  id: z.string(),
  name: z.string(),
  defaultAgentId: z.string().nullable(),
  enabled: z.boolean(),
  revision: z.number().int(),
  createdAt: z.iso.datetime(),
});
export type TenantView = z.infer<typeof TenantView>;

export const tenantView = (t: TenantRecord): TenantView => ({
  id: t.id,
  name: t.name,
  defaultAgentId: t.defaultAgentId,
  enabled: t.enabled,
  revision: t.revision,
  createdAt: iso(t.createdAt),
});
