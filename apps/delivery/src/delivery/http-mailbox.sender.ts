import { Bus, causedBy, makeEnvelope } from '@clawfleet/bus';
import { HttpReplyPosted, type OutboundReady } from '@clawfleet/contracts';
import { Injectable } from '@nestjs/common';
import type { ChannelSender, SendResult } from './channel-sender';

/** HTTP and CLI chats read their replies from a JetStream mailbox per chat, streamed by the gateway. */
@Injectable()
export class HttpMailboxSender implements ChannelSender {
  readonly channels = ['http', 'cli'] as const;
  readonly idempotent = true;

  constructor(private readonly bus: Bus) {}

  async send(outbound: OutboundReady): Promise<SendResult> {
    const { data } = outbound;
    const posted = makeEnvelope(HttpReplyPosted, { ...causedBy(outbound), data });
    const subject = this.bus.topology.subjects.httpMailbox(outbound.tenantId, data.chat.chatId);
    // Deduplicated on the outbound id: a resend after a crash is dropped by JetStream.
    const ack = await this.bus.publisher.publish(HttpReplyPosted, subject, posted, { msgId: data.outboundId });
    return { channelMessageIds: [String(ack.seq)] };
  }
}
