import type { Principal } from '@clawfleet/auth';
import { Bus, makeEnvelope } from '@clawfleet/bus';
import { chatKey, INBOUND_PARTITIONS, InboundReceived, partitionOf, type AuditAction } from '@clawfleet/contracts';
import { EventStore, outboxMessage } from '@clawfleet/event-store';
import { ConflictError, deriveId, systemClock } from '@clawfleet/platform';
import type { IndexedSession } from '@clawfleet/records';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { recordAudit } from '../audit/audit-log';
import { AdminOutbox } from '../audit/outbox';

const ATTEMPTS = 3;

/**
 * An operator's message into a session, sent the way a channel sends a user's: an `inbound.received`
 * on the session's chat (its partition, so in the chat's order), marked with the session and the
 * key, which the router puts into that session as an admin's. It commits with its audit event
 * (transactional outbox) under an id derived from the message, so a repeated request is recorded
 * and sent once.
 */
@Injectable()
export class OperatorMessages {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly bus: Bus,
    private readonly outbox: AdminOutbox,
  ) {}

  /** Returns false when this message was sent before (nothing is sent again). */
  async send(
    caller: Principal,
    session: IndexedSession,
    input: { text: string; messageId: string; action: AuditAction; details?: Record<string, string | number> },
  ): Promise<boolean> {
    const { tenantId, sessionId, agentId, chat } = session;
    const key = chatKey(chat);
    const at = systemClock.now();
    const envelope = makeEnvelope(InboundReceived, {
      id: deriveId('inbound', tenantId, key, input.messageId),
      tenantId,
      data: {
        chat,
        messageId: input.messageId,
        sender: { id: `operator:${caller.prefix}`, displayName: 'operator' },
        text: input.text,
        receivedAt: at.toISOString(),
        operator: { sessionId, agentId, keyId: caller.keyId },
      },
    });
    const subject = this.bus.topology.subjects.inboundReceived(chat.channel, partitionOf(key, INBOUND_PARTITIONS));
    const message = outboxMessage(InboundReceived, subject, envelope);
    const id = deriveId('audit', input.action, tenantId, sessionId, input.messageId);
    for (let attempt = 1; ; attempt++) {
      try {
        const { recorded, outboxIds } = await this.dataSource.transaction((manager) =>
          recordAudit(
            this.store,
            manager,
            {
              action: input.action,
              actor: caller,
              at,
              tenantId,
              resource: { type: 'session', id: sessionId },
              details: { messageId: input.messageId, ...input.details },
            },
            { id, outbox: [message] },
          ),
        );
        if (recorded) await this.outbox.publishNow([message], outboxIds);
        return recorded;
      } catch (error) {
        // Another change of the session's audit stream, or the same request at once: read again.
        if (!(error instanceof ConflictError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }
}
