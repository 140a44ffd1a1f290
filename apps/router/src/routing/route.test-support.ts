import type { AgentSummary, Binding, RoleGrant, RoutingData } from '@clawfleet/provisioning';
import { groupKey, identityKey } from '@clawfleet/provisioning';
import type { Inbound, PairingView, SessionIndex } from './route';

/** Builders of routing data for the route specs (pure, no database). */
export const T0 = '2026-12-01T12:00:00.000Z';

export function agent(id: string, extra: Partial<AgentSummary> = {}): AgentSummary {
  return { id, name: id, enabled: true, currentVersion: 1, allowedModels: [], ...extra };
}

export function binding(agentId: string, extra: Partial<Binding> = {}): Binding {
  return {
    id: `b-${agentId}`,
    groupId: 'g1',
    agentId,
    engageMode: 'always',
    pattern: null,
    senderScope: 'all',
    ignoredPolicy: 'drop',
    sessionScope: 'shared',
    unknownSenders: 'ignore',
    ...extra,
  };
}

export function data(input: {
  tenantId?: string;
  agents?: AgentSummary[];
  groups?: Array<{ chatId: string; threadId?: string; bindings: Binding[] }>;
  identities?: Array<[string, string]>;
  roles?: RoleGrant[];
  defaultAgentId?: string | null;
  /** The channel of the groups and identities (default telegram). */
  channel?: string;
}): RoutingData {
  const channel = input.channel ?? 'telegram';
  return {
    tenantId: input.tenantId ?? 'acme',
    exists: true,
    disabled: false,
    defaultAgentId: input.defaultAgentId ?? null,
    agents: new Map((input.agents ?? []).map((a) => [a.id, a])),
    groups: new Map(
      (input.groups ?? []).map((g) => [
        groupKey(channel, g.chatId, g.threadId),
        { id: g.bindings[0]?.groupId ?? `g-${g.chatId}-${g.threadId ?? ''}`, bindings: g.bindings },
      ]),
    ),
    identities: new Map((input.identities ?? []).map(([sender, user]) => [identityKey(channel, sender), user])),
    roles: (input.roles ?? []).reduce(
      (m, r) => m.set(r.userId, [...(m.get(r.userId) ?? []), r]),
      new Map<string, RoleGrant[]>(),
    ),
  };
}

export function inbound(text: string, extra: Partial<Inbound> = {}): Inbound {
  return {
    tenantId: 'acme',
    chat: { channel: 'telegram', chatId: '-100', threadId: '7' },
    messageId: `m-${text}`,
    sender: { id: 'alice' },
    text,
    receivedAt: T0,
    ...extra,
  };
}

export const noSessions: SessionIndex = { stickyUntil: () => undefined };
export const stickyIndex = (until: Record<string, number>): SessionIndex => ({
  stickyUntil: (agentId, key) => until[`${agentId}|${key}`],
});

/** No stickiness; `pairing` as given (undefined: nothing pending). */
export const pairingIndex = (view: PairingView): SessionIndex => ({
  stickyUntil: () => undefined,
  pairing: () => view,
});
