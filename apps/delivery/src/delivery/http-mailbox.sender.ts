import { Bus, causedBy, makeEnvelope } from '@clawfleet/bus';
import { HttpReplyPosted, type MailboxChannel, type OutboundReady } from '@clawfleet/contracts';
import { ValidationError } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';
import type { ChannelSender, SendResult } from './channel-sender';

const MAILBOX_CHANNELS: readonly MailboxChannel[] = ['http', 'cli'];

function isMailboxChannel(channel: string): channel is MailboxChannel {
  return (MAILBOX_CHANNELS as readonly string[]).includes(channel);
}

/**
 * HTTP and CLI chats read their replies from a JetStream mailbox per channel and chat, streamed by
 * the gateway. The channel is part of the subject: an http and a cli chat with the same id are two chats.
 */
@Injectable()
export class HttpMailboxSender implements ChannelSender {
  readonly channels = MAILBOX_CHANNELS;
  readonly idempotent = true;

  constructor(private readonly bus: Bus) {}

  async send(outbound: OutboundReady): Promise<SendResult> {
    const { data } = outbound;
    const { channel, chatId } = data.chat;
    // The consumer picks the sender by channel, so any other channel here is a wiring mistake.
    if (!isMailboxChannel(channel)) throw new ValidationError(`the HTTP mailbox does not serve channel "${channel}"`);
    const posted = makeEnvelope(HttpReplyPosted, { ...causedBy(outbound), data });
    const subject = this.bus.topology.subjects.httpMailbox(channel, outbound.tenantId, chatId);
    // Deduplicated on the outbound id: a resend after a crash is dropped by JetStream.
    const ack = await this.bus.publisher.publish(HttpReplyPosted, subject, posted, { msgId: data.outboundId });
    return { channelMessageIds: [String(ack.seq)] };
  }
}
