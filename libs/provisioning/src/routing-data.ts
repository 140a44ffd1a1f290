import type { AgentSummary, Binding, RoleGrant } from './model';

/**
 * Everything routing needs of one tenant, loaded at once and kept in memory by the router, so that
 * deciding a message costs no round trip per rule. Maps, so a decision is a few lookups whatever the
 * number of bindings and users.
 */
export interface RoutingData {
  readonly tenantId: string;
  /** False for a tenant that is not provisioned: its messages are refused. */
  readonly exists: boolean;
  /** A tenant an operator disabled: its messages are refused, the environment's default tenant too. */
  readonly disabled: boolean;
  readonly defaultAgentId: string | null;
  readonly agents: ReadonlyMap<string, AgentSummary>;
  /** By `groupKey(channel, chatId, threadId)`: every group and its bindings (none: all were deleted). */
  readonly groups: ReadonlyMap<string, { readonly id: string; readonly bindings: readonly Binding[] }>;
  /** By `identityKey(channel, senderId)`: the user id. */
  readonly identities: ReadonlyMap<string, string>;
  /** By user id. */
  readonly roles: ReadonlyMap<string, readonly RoleGrant[]>;
}

export const groupKey = (channel: string, chatId: string, threadId?: string | null) =>
  `${channel}\u001f${chatId}\u001f${threadId ?? ''}`;
export const identityKey = (channel: string, externalId: string) => `${channel}\u001f${externalId}`;
