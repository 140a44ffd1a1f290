import { MessageText, Sender } from '@clawfleet/contracts';
import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { InboundPublisher } from '../inbound.publisher';
import { parseChatId } from './chat-id';

const PostMessageBody = z.strictObject({
  text: MessageText,
  /** The client's idempotency key: posting the same messageId twice yields one turn. */
  messageId: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,200}$/, 'messageId must be 1-200 of [A-Za-z0-9_:.-]')
    .optional(),
  sender: Sender.optional(),
});

/**
 * The HTTP channel's inbound side: validate → identify → publish. A post is answered 202 only
 * after `inbound.received` is stored in JetStream. Replies are read from `replies.controller.ts`.
 */
@Controller('v1/chats/:chatId')
export class HttpChannelAdapter {
  constructor(
    private readonly inbound: InboundPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('messages')
  @HttpCode(202)
  async post(@Param('chatId') rawChatId: string, @Body() body: unknown) {
    const chatId = parseChatId(rawChatId);
    const input = PostMessageBody.parse(body ?? {});
    // Identify: one tenant for the channel, the sender as the client says (keys come with the admin API).
    return this.inbound.publish({
      tenantId: this.config.HTTP_CHANNEL_TENANT,
      chat: { channel: 'http', chatId },
      sender: input.sender ?? { id: chatId },
      text: input.text,
      messageId: input.messageId,
    });
  }
}
