/**
 * The audit trail of the admin API: one `AuditRecorded` event per change, in the PostgreSQL event
 * store, in the changed resource's own stream (`audit-<resource>-<id>`), committed in the same
 * transaction as the change itself. Who (the key), what (action and resource), when.
 */
export interface AuditActor {
  readonly keyId: string;
  readonly prefix: string;
  readonly scope: string;
}

export type AuditAction =
  | 'key.created'
  | 'key.revoked'
  | 'session.message-posted'
  | 'session.turn-cancel-requested'
  | 'session.released'
  | 'dead-letter.redriven'
  | 'pairing.approved'
  | 'pairing.rejected'
  | ProvisioningAuditAction;

/** Changes of the provisioning model: `<resource>.<what happened>`. */
export type ProvisioningAuditAction =
  | `${'tenant' | 'agent' | 'channel' | 'group' | 'binding' | 'user'}.${'created' | 'updated' | 'deleted'}`
  | 'channel.credentials-set'
  | 'identity.added'
  | 'identity.removed'
  | 'role.granted'
  | 'role.revoked'
  | 'relationship.created'
  | 'relationship.deleted';

export type AuditEvent = {
  type: 'AuditRecorded';
  data: {
    readonly action: AuditAction;
    readonly actor: AuditActor;
    readonly resource: { readonly type: string; readonly id: string };
    /** The tenant whose data changed; null for the platform's own. */
    readonly tenantId: string | null;
    readonly at: string;
    /** What changed, without secrets (never a key or a credential). */
    readonly details?: Readonly<Record<string, string | number | boolean | null>>;
  };
};

/** The stream of one resource's audit events. */
export const auditStreamId = (resourceType: string, id: string) => `audit-${resourceType}-${id}`;
/** Tenant under which platform-level audit events (no tenant) are stored. */
export const PLATFORM_TENANT = '_platform';
