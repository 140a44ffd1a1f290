/**
 * What a key may do. A key belongs to one tenant, except a platform key (tenantId null), which
 * operates the platform: it creates tenants and acts in any of them.
 *
 * - `platform:admin`: everything, in every tenant.
 * - `tenant:admin`: read and change everything of its tenant, and make its tenant's keys.
 * - `tenant:read`: read everything of its tenant, change nothing.
 * - `channel:client`: chat as the key's user through the channels (HTTP, OpenAI-compatible);
 *   no access to the admin API.
 */
export const SCOPES = ['platform:admin', 'tenant:admin', 'tenant:read', 'channel:client'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who a request acts as, taken from its verified key, never from the request body. */
export interface Principal {
  readonly keyId: string;
  readonly prefix: string;
  /** null for a platform key. */
  readonly tenantId: string | null;
  readonly scope: Scope;
  /** The user a channel-client key chats as. */
  readonly userId: string | null;
}

export type Action = 'read' | 'write';

/**
 * Whether the principal may perform `action` on the data of `tenantId`. A tenant's data is invisible
 * to every other tenant's keys, so callers answer a refusal for another tenant as 404, not 403.
 */
export function mayAccessTenant(principal: Principal, tenantId: string): boolean {
  return (
    principal.scope === 'platform:admin' || (principal.tenantId === tenantId && principal.scope !== 'channel:client')
  );
}

export function mayPerform(principal: Principal, action: Action, tenantId: string): boolean {
  if (!mayAccessTenant(principal, tenantId)) return false;
  if (action === 'read') return true;
  return principal.scope === 'platform:admin' || principal.scope === 'tenant:admin';
}

/** Scopes a principal may give to a key it creates: never more than its own. */
export function mayGrant(principal: Principal, scope: Scope): boolean {
  if (principal.scope === 'platform:admin') return true;
  if (principal.scope === 'tenant:admin') return scope !== 'platform:admin';
  return false;
}

/** A principal that may chat through the channels: as whom, in which tenant. */
export interface ChannelPrincipal extends Principal {
  readonly tenantId: string;
  readonly userId: string;
}

/**
 * Whether the principal may chat through the channels. Only `channel:client` keys do, as their user:
 * admin keys are for the admin API (an operator who wants to chat uses a key of their own user).
 */
export function mayChat(principal: Principal): principal is ChannelPrincipal {
  return principal.scope === 'channel:client' && principal.tenantId !== null && principal.userId !== null;
}
