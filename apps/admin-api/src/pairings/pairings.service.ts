import type { Principal } from '@clawfleet/auth';
import { Bus, makeEnvelope } from '@clawfleet/bus';
import { ProvisioningChanged, type AuditAction } from '@clawfleet/contracts';
import { EventStore, outboxMessage, type OutboxMessage } from '@clawfleet/event-store';
import { ConflictError, NotFoundError, systemClock } from '@clawfleet/platform';
import { PairingRepository, type DecisionResult } from '@clawfleet/provisioning';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { recordAudit } from '../audit/audit-log';
import { AdminOutbox } from '../audit/outbox';
import { pairingView, type PairingView } from './pairings.dto';

/**
 * Approving and rejecting pairings through the API: each decision commits with its audit event and,
 * for an approval, the `provisioning.changed` announcement (through the outbox, published at once
 * after the commit), so the routers serve the new member's next message. Deciding again the same way
 * answers the pairing unchanged (no second audit event); the other way is a conflict.
 */
@Injectable()
export class PairingsService {
  readonly pairings: PairingRepository;
  private readonly store: EventStore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: Bus,
    private readonly relay: AdminOutbox,
  ) {
    this.pairings = new PairingRepository(dataSource);
    this.store = new EventStore(dataSource);
  }

  approve(caller: Principal, tenantId: string, id: string): Promise<PairingView> {
    return this.decide(caller, tenantId, id, 'pairing.approved');
  }

  reject(caller: Principal, tenantId: string, id: string): Promise<PairingView> {
    return this.decide(caller, tenantId, id, 'pairing.rejected');
  }

  async get(tenantId: string, id: string): Promise<PairingView> {
    const found = await this.pairings.get(tenantId, id);
    if (!found) throw new NotFoundError(`No pairing ${id}.`);
    return pairingView(found);
  }

  private async decide(caller: Principal, tenantId: string, id: string, action: AuditAction): Promise<PairingView> {
    const at = systemClock.now();
    const approver = { kind: 'key' as const, keyId: caller.keyId };
    let published: { messages: OutboxMessage[]; ids: string[] } | undefined;
    const result: DecisionResult = await this.dataSource.transaction(async (manager) => {
      const decided =
        action === 'pairing.approved'
          ? await this.pairings.approve(tenantId, { id }, approver, at, manager)
          : await this.pairings.reject(tenantId, id, approver, at, manager);
      if (decided.kind === 'decided') {
        const messages = action === 'pairing.approved' ? [this.changed(tenantId, id)] : [];
        const { outboxIds } = await recordAudit(
          this.store,
          manager,
          {
            action,
            actor: caller,
            at,
            tenantId,
            resource: { type: 'pairing', id },
            details: {
              channel: decided.pairing.channel,
              senderId: decided.pairing.senderId,
              userId: decided.pairing.userId,
            },
          },
          { outbox: messages },
        );
        published = { messages, ids: outboxIds };
      }
      return decided;
    });
    if (published && published.messages.length > 0) await this.relay.publishNow(published.messages, published.ids);
    switch (result.kind) {
      case 'decided':
      case 'again':
        return pairingView(result.pairing, at);
      case 'unknown':
        throw new NotFoundError(`No pairing ${id}.`);
      case 'expired':
        throw new ConflictError('The pairing has expired; the sender gets a new code when they write again.');
      case 'conflict':
      case 'used':
        throw new ConflictError(`The pairing was ${result.pairing.status} already.`);
      default:
        return result satisfies never;
    }
  }

  /** Routers drop the tenant's cached identities: the new member is served from their next message. */
  private changed(tenantId: string, id: string): OutboxMessage {
    return outboxMessage(
      ProvisioningChanged,
      this.bus.topology.subjects.provisioningChanged(tenantId),
      makeEnvelope(ProvisioningChanged, { tenantId, correlationId: id, data: { kind: 'pairing', id } }),
    );
  }
}
