import type { Principal } from '@clawfleet/auth';
import { auditStreamId, PLATFORM_TENANT, type AuditEvent } from '@clawfleet/contracts';
import { EventStore, type OutboxMessage } from '@clawfleet/event-store';
import { uuidV7Ids } from '@clawfleet/platform';
import type { EntityManager } from 'typeorm';
import { ADMIN_OUTBOX_OWNER } from './outbox';

export interface AuditOptions {
  /**
   * The event's id, derived from the request (an idempotency key): when an event with it is already
   * recorded, nothing is appended and `recorded` is false, so a repeated request changes nothing.
   */
  readonly id?: string;
  /** Messages to publish once the change commits (transactional outbox): they commit with the event. */
  readonly outbox?: readonly OutboxMessage[];
}

/**
 * Records a change in the changed resource's audit stream, inside the caller's transaction, so a
 * change and its audit event commit together or not at all. `outbox`: messages to publish once it
 * has (in the same statement); returns their outbox ids, for the writer to publish them at once.
 */
export async function recordAudit(
  store: EventStore,
  manager: EntityManager,
  change: Omit<AuditEvent['data'], 'actor' | 'at'> & { readonly actor: Principal; readonly at: Date },
  options: AuditOptions = {},
): Promise<{ recorded: boolean; outboxIds: string[] }> {
  const { actor, at, resource, tenantId } = change;
  if (options.id) {
    const seen: unknown[] = await manager.query(`SELECT 1 FROM eventstore.events WHERE event_id = $1`, [options.id]);
    if (seen.length > 0) return { recorded: false, outboxIds: [] };
  }
  const streamId = auditStreamId(resource.type, resource.id);
  const storeTenant = tenantId ?? PLATFORM_TENANT;
  const version = await store.streamVersion(storeTenant, streamId);
  const event: AuditEvent = {
    type: 'AuditRecorded',
    data: {
      ...change,
      actor: { keyId: actor.keyId, prefix: actor.prefix, scope: actor.scope },
      at: at.toISOString(),
    },
  };
  const { outboxIds } = await store.appendWithOutbox(
    storeTenant,
    streamId,
    version,
    [{ id: options.id ?? uuidV7Ids.next(), ...event }],
    // The caller publishes the messages right after the commit; the relay takes what it misses.
    { manager, outbox: options.outbox ?? [], outboxOwner: ADMIN_OUTBOX_OWNER, notifyRelay: false },
  );
  return { recorded: true, outboxIds };
}
