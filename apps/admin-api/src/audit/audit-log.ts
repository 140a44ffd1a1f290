import type { Principal } from '@clawfleet/auth';
import { auditStreamId, PLATFORM_TENANT, type AuditEvent } from '@clawfleet/contracts';
import { EventStore, type OutboxMessage } from '@clawfleet/event-store';
import { uuidV7Ids } from '@clawfleet/platform';
import type { EntityManager } from 'typeorm';

/**
 * Records a change in the changed resource's audit stream, inside the caller's transaction, so a
 * change and its audit event commit together or not at all. `outbox`: messages to publish once it
 * has (in the same statement); returns their outbox ids, for the writer to publish them at once.
 */
export async function recordAudit(
  store: EventStore,
  manager: EntityManager,
  change: Omit<AuditEvent['data'], 'actor' | 'at'> & { readonly actor: Principal; readonly at: Date },
  outbox: readonly OutboxMessage[] = [],
): Promise<string[]> {
  const { actor, at, resource, tenantId } = change;
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
  const appended = await store.appendWithOutbox(storeTenant, streamId, version, [{ id: uuidV7Ids.next(), ...event }], {
    manager,
    outbox,
    notifyRelay: outbox.length === 0,
  });
  return appended.outboxIds;
}
