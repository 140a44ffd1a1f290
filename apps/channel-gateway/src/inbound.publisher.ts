import { Bus, makeEnvelope } from '@clawfleet/bus';
import {
  chatKey,
  INBOUND_PARTITIONS,
  InboundReceived,
  partitionOf,
  type ChatRef,
  type Sender,
} from '@clawfleet/contracts';
import { deriveId, uuidV7Ids } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';

/** A user's message as a channel adapter verified and identified it. */
export interface InboundMessage {
  readonly tenantId: string;
  readonly chat: ChatRef;
  readonly sender: Sender;
  readonly text: string;
  /** The channel's or client's idempotency key; a new one when the channel has none. */
  readonly messageId?: string;
}

/**
 * Publishes `inbound.received` for every channel: an id derived from the message (a repeated
 * message is the same event and JetStream drops it), the chat's partition, and the stored ack.
 */
@Injectable()
export class InboundPublisher {
  constructor(private readonly bus: Bus) {}

  async publish(message: InboundMessage): Promise<{ messageId: string; duplicate: boolean }> {
    const { tenantId, chat, sender, text } = message;
    const messageId = message.messageId ?? uuidV7Ids.next();
    const key = chatKey(chat);
    const envelope = makeEnvelope(InboundReceived, {
      id: deriveId('inbound', tenantId, key, messageId),
      tenantId,
      data: { chat, messageId, sender, text, receivedAt: new Date().toISOString() },
    });
    const subject = this.bus.topology.subjects.inboundReceived(chat.channel, partitionOf(key, INBOUND_PARTITIONS));
    const ack = await this.bus.publisher.publish(InboundReceived, subject, envelope);
    return { messageId, duplicate: ack.duplicate };
  }
}
