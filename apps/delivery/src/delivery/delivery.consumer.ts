import { Bus, causedBy, makeEnvelope, OnEvent, type MessageContext } from '@clawfleet/bus';
import { DeliveryFailed, DeliverySucceeded, OutboundReady, storableText, type EventDefinition } from '@clawfleet/contracts';
import type { z } from 'zod';
import { deriveId, DomainError, KeyedQueue, TransientError, ValidationError } from '@clawfleet/platform';
import { Inject, Injectable } from '@nestjs/common';
import { CHANNEL_SENDERS, type ChannelSender } from './channel-sender';
import { DeliveryLog, type Settlement } from '@clawfleet/records';
import { SessionCursors } from './session-cursors';

/**
 * Sends each reply once, in the session's order: a reply whose predecessor is not settled yet waits
 * (nak with backoff), one already settled is acknowledged without sending again.
 */
@Injectable()
export class DeliveryConsumer {
  private readonly senders = new Map<string, ChannelSender>();
  // Replies of a session arrive in seq order (the relay publishes in commit order): sending them one
  // at a time per session keeps that order here, so only replicas racing each other ever wait.
  private readonly sessions = new KeyedQueue();
  /** Session cursors as this process last read or wrote them: most replies need no read (see SessionCursors). */
  private readonly cursors = new SessionCursors();

  constructor(
    private readonly bus: Bus,
    private readonly log: DeliveryLog,
    @Inject(CHANNEL_SENDERS) senders: ChannelSender[],
  ) {
    for (const sender of senders) for (const channel of sender.channels) this.senders.set(channel, sender);
  }

  @OnEvent('delivery', OutboundReady)
  onOutbound(outbound: OutboundReady, context?: MessageContext): Promise<void> {
    return this.sessions.run(outbound.data.sessionId, () => this.deliver(outbound, context?.deliveryCount ?? 1));
  }

  private async deliver(outbound: OutboundReady, deliveryCount: number): Promise<void> {
    const { data } = outbound;
    const settled = await this.settledUpTo(outbound, deliveryCount);
    // Settled before, so not sent again; but the process that settled it may have died before it
    // reported the outcome (the message was not acked then): report it again, under the same id.
    if (data.seq <= settled) return this.reportAgain(outbound);
    if (data.seq > settled + 1) throw new TransientError(`reply ${data.seq} waits for reply ${settled + 1} of session ${data.sessionId}`);

    try {
      // A channel without a sender is a refusal for good: settled as failed (delivery.failed says
      // why), so it does not hold up the session's later replies.
      const sender = this.senders.get(data.chat.channel);
      if (!sender) throw new ValidationError(`no sender is configured for channel ${data.chat.channel}`);
      const result = await sender.send(outbound);
      await this.settle(outbound, { status: 'sent', channelMessageIds: result.channelMessageIds });
    } catch (error) {
      // A channel that refuses for good (chat gone, bot blocked): settle as failed so later replies go on.
      // The channel's own words: made storable and short enough for the record and delivery.failed.
      if (error instanceof DomainError && !error.retryable)
        return this.settle(outbound, { status: 'failed', error: storableText(error.message, 2_000) });
      throw error;
    }
  }

  /** The session's highest settled seq: remembered, or read from the store (see SessionCursors). */
  private async settledUpTo(outbound: OutboundReady, deliveryCount: number): Promise<number> {
    const { tenantId, data } = outbound;
    const key = `${tenantId}|${data.sessionId}`;
    const idempotent = this.senders.get(data.chat.channel)?.idempotent ?? false;
    const known = this.cursors.trusted(key, data.seq, deliveryCount, idempotent);
    if (known !== undefined) return known;
    const settled = await this.log.settledUpTo(tenantId, data.sessionId);
    this.cursors.remember(key, settled);
    return settled;
  }

  private async settle(outbound: OutboundReady, settlement: Settlement): Promise<void> {
    await this.log.settle(outbound, settlement);
    this.cursors.remember(`${outbound.tenantId}|${outbound.data.sessionId}`, outbound.data.seq);
    await this.report(outbound, settlement);
  }

  private async reportAgain(outbound: OutboundReady): Promise<void> {
    const settlement = await this.log.settlementOf(outbound);
    if (settlement) await this.report(outbound, settlement);
  }

  /** `delivery.succeeded` or `delivery.failed`, with an id derived from the outbound message: a repeat is one fact. */
  private report(outbound: OutboundReady, settlement: Settlement): Promise<void> {
    return settlement.status === 'sent'
      ? this.publish(DeliverySucceeded, outbound, { ...this.refs(outbound), channelMessageIds: settlement.channelMessageIds })
      : this.publish(DeliveryFailed, outbound, { ...this.refs(outbound), reason: settlement.error });
  }

  private refs(outbound: OutboundReady) {
    const { outboundId, sessionId, chat } = outbound.data;
    return { outboundId, sessionId, chat };
  }

  private async publish<T extends string, S extends z.ZodType>(
    definition: EventDefinition<T, S>,
    outbound: OutboundReady,
    data: z.infer<S>,
  ): Promise<void> {
    const envelope = makeEnvelope(definition, { ...causedBy(outbound), id: deriveId(definition.type, outbound.data.outboundId), data });
    await this.bus.publisher.publish(definition, this.bus.topology.subjects.event(definition.type, outbound.tenantId), envelope);
  }
}
