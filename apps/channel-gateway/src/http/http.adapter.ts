import { ownedChatId } from '@clawfleet/auth';
import { MessageText } from '@clawfleet/contracts';
import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { ChannelCaller } from '../auth/channel-auth';
import { Caller, ChannelKeyGuard } from '../auth/channel-key.guard';
import { InboundPublisher } from '../inbound.publisher';
import { parseChatName } from './chat-id';

const PostMessageBody = z.strictObject({
  text: MessageText,
  /** The client's idempotency key: posting the same messageId twice yields one turn. */
  messageId: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,200}$/, 'messageId must be 1-200 of [A-Za-z0-9_:.-]')
    .optional(),
  /** Never from the body: a named field, so the refusal says where the sender comes from. */
  sender: z
    .unknown()
    .refine((v) => v === undefined, 'the sender is the user of the API key; a message cannot name another')
    .optional(),
});

/**
 * The HTTP channel's inbound side: authenticate → validate → identify → publish. The key says who
 * posts (its user) and for which tenant; the chat is the caller's own (see `ownedChatId`). A post is
 * answered 202 only after `inbound.received` is stored in JetStream. Replies: `replies.controller.ts`.
 */
@Controller('v1/chats/:chatId')
@UseGuards(ChannelKeyGuard)
export class HttpChannelAdapter {
  constructor(private readonly inbound: InboundPublisher) {}

  @Post('messages')
  @HttpCode(202)
  async post(@Param('chatId') rawChatId: string, @Body() body: unknown, @Caller() caller: ChannelCaller) {
    const chatName = parseChatName(rawChatId);
    const input = PostMessageBody.parse(body ?? {});
    const { tenantId, userId } = caller.principal;
    return this.inbound.publish({
      tenantId,
      chat: { channel: 'http', chatId: ownedChatId(userId, chatName) },
      sender: { id: userId },
      text: input.text,
      messageId: input.messageId,
    });
  }
}
