import type { AgentSummary, Role, RoleGrant } from '@clawfleet/provisioning';

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** The strongest role a user has for an agent: a role for the tenant holds for each of its agents. */
export function roleFor(grants: readonly RoleGrant[] | undefined, agentId: string): Role | undefined {
  let best: Role | undefined;
  for (const g of grants ?? []) {
    if (g.agentId !== null && g.agentId !== agentId) continue;
    if (!best || RANK[g.role] > RANK[best]) best = g.role;
  }
  return best;
}

/**
 * Whether `/model <name>` may pin `name`: owners and admins only (the model runs on the operator's
 * key), and only a model the agent allows. `default` (back to the agent's chain) needs the role only.
 * Returns the refusal's text, or undefined when allowed.
 */
export function modelChangeRefusal(
  role: Role | undefined,
  agent: Pick<AgentSummary, 'allowedModels'> | undefined,
  name: string,
): string | undefined {
  if (role !== 'owner' && role !== 'admin') return 'Only an owner or admin of this agent may change its model.';
  if (name === 'default') return undefined;
  const allowed = agent?.allowedModels ?? [];
  if (allowed.includes(name)) return undefined;
  return allowed.length > 0
    ? `The model ${name} is not allowed for this agent. Allowed: ${allowed.join(', ')}.`
    : "This agent's model cannot be changed.";
}

/** The texts an owner's `/pair` can be answered with (the router's; the session only sends them). */
export const PAIR_REFUSAL = {
  permission: 'Only an owner of this tenant may approve a pairing.',
  usage: 'Usage: /pair <code>, with the code the new user was sent (e.g. /pair K7QX-M2PD).',
  unknown: 'That code is not valid: check it, or ask for a new one (codes expire).',
  expired: 'That code has expired: the sender gets a new one when they write again.',
  used: 'That code was used already.',
  rejected: 'That pairing was rejected.',
  throttled: 'Too many wrong codes: try again later.',
} as const;

/** Whether the sender may approve pairings: an owner for the whole tenant (an agent's owner is not). */
export function pairRefusal(grants: readonly RoleGrant[] | undefined): string | undefined {
  return grants?.some((g) => g.agentId === null && g.role === 'owner') ? undefined : PAIR_REFUSAL.permission;
}

/** `/usage` tells what the agent cost today across every session: its owners and admins only. */
export function usageRefusal(role: Role | undefined): string | undefined {
  return role === 'owner' || role === 'admin' ? undefined : 'Only an owner or admin of this agent may see its usage.';
}
