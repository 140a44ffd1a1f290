import { Channel } from '@clawfleet/contracts';
import { AgentId, ROLES, type IdentityRecord, type RoleRecord, type UserRecord } from '@clawfleet/provisioning';
import { z } from 'zod';
import { DisplayName } from '../http/ids';
import { iso } from '../provisioning/params';

export const CreateUser = z.strictObject({ displayName: DisplayName.optional() });
export const UpdateUser = z.strictObject({ displayName: DisplayName.optional() });

/** The sender id of the user's messages on a channel (a Telegram user id, a Slack member id, an HTTP user). */
export const ExternalId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'externalId must be printable ASCII without spaces');
export const CreateIdentity = z.strictObject({ channel: Channel, externalId: ExternalId });

/** A role for the whole tenant (agentId null or absent) or for one agent of it. */
export const GrantRole = z.strictObject({ role: z.enum(ROLES), agentId: AgentId.nullable().optional() });

export const IdentityView = z.object({
  channel: z.string(),
  externalId: z.string(),
  userId: z.uuid(),
  createdAt: z.iso.datetime(),
});
export const RoleView = z.object({
  userId: z.uuid(),
  role: z.enum(ROLES),
  agentId: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export const UserView = z.object({
  id: z.uuid(),
  displayName: z.string(),
  revision: z.number().int(),
  createdAt: z.iso.datetime(),
});
export const UserDetailView = UserView.extend({ identities: z.array(IdentityView), roles: z.array(RoleView) });

export const userView = (u: UserRecord): z.infer<typeof UserView> => ({
  id: u.id,
  displayName: u.displayName,
  revision: u.revision,
  createdAt: iso(u.createdAt),
});
export const identityView = (i: IdentityRecord) => ({
  channel: i.channel,
  externalId: i.externalId,
  userId: i.userId,
  createdAt: iso(i.createdAt),
});
export const roleView = (r: RoleRecord) => ({
  userId: r.userId,
  role: r.role,
  agentId: r.agentId,
  createdAt: iso(r.createdAt),
});
