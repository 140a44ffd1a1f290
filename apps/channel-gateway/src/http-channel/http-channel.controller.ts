import { Bus, makeEnvelope } from '@clawfleet/bus';
import {
  ChatId,
  chatKey,
  HttpReplyPosted,
  INBOUND_PARTITIONS,
  InboundReceived,
  MessageText,
  partitionOf,
  Sender,
  TurnProgressed,
  type ChatRef,
} from '@clawfleet/contracts';
import { deriveId, uuidV7Ids, ValidationError } from '@clawfleet/platform';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

const PostMessageBody = z.strictObject({
  text: MessageText,
  /** The client's idempotency key: posting the same messageId twice yields one turn. */
  messageId: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,200}$/, 'messageId must be 1-200 of [A-Za-z0-9_:.-]')
    .optional(),
  sender: Sender.optional(),
});

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

function parseChatId(raw: string): string {
  const result = ChatId.safeParse(raw);
  if (!result.success) throw new ValidationError(`chatId "${raw.slice(0, 140)}": ${result.error.issues[0]?.message}`);
  return result.data;
}

const SequenceHeader = z.coerce.number().int().nonnegative();
const HEARTBEAT_MS = 15_000;
const RESUBSCRIBE = new Set(['ordered_consumer_recreated', 'heartbeats_missed', 'consumer_deleted']);

/**
 * The HTTP channel: clients (the terminal chat, tests, scripts) post messages and read the replies
 * as Server-Sent Events. A post is answered only after `inbound.received` is stored in JetStream.
 */
@Controller('v1/chats/:chatId')
export class HttpChannelController {
  constructor(
    private readonly bus: Bus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('messages')
  @HttpCode(202)
  async post(@Param('chatId') rawChatId: string, @Body() body: unknown) {
    const chatId = parseChatId(rawChatId);
    const input = PostMessageBody.parse(body ?? {});
    const tenantId = this.config.HTTP_CHANNEL_TENANT;
    const chat: ChatRef = { channel: 'http', chatId };
    const messageId = input.messageId ?? uuidV7Ids.next();
    const key = chatKey(chat);
    const envelope = makeEnvelope(InboundReceived, {
      // Derived from the message, so a repeated post is the same event and JetStream drops it.
      id: deriveId('inbound', tenantId, key, messageId),
      tenantId,
      data: {
        chat,
        messageId,
        sender: input.sender ?? { id: chatId },
        text: input.text,
        receivedAt: new Date().toISOString(),
      },
    });
    const subject = this.bus.topology.subjects.inboundReceived('http', partitionOf(key, INBOUND_PARTITIONS));
    const ack = await this.bus.publisher.publish(InboundReceived, subject, envelope);
    return { messageId, duplicate: ack.duplicate };
  }

  /** Replies to this chat as SSE. `Last-Event-ID` (or `?after=`) resumes after a reply already seen. */
  @Get('events')
  async events(@Param('chatId') rawChatId: string, @Req() req: Request, @Res() res: Response) {
    const chatId = parseChatId(rawChatId);
    const subject = this.bus.topology.subjects.httpMailbox('http', this.config.HTTP_CHANNEL_TENANT, chatId);
    const streamName = this.bus.topology.streams.HTTP_MAILBOX.name;
    const resumeFrom = req.header('last-event-id') ?? (req.query['after'] as string | undefined);
    // Without a resume point, start right after the stream's current end: anything published after
    // this line is delivered, so a client that posts once headers arrive never misses its reply.
    const startSeq =
      resumeFrom !== undefined
        ? SequenceHeader.parse(resumeFrom) + 1
        : (await this.bus.jsm.streams.info(streamName)).state.last_seq + 1;
    const consumer = await this.bus.js.consumers.get(streamName, {
      // A single subject as a string: the array form needs nats-server 2.10.
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
    });
    // A short pull expiry: an ordered consumer recreated after a NATS restart otherwise sits idle
    // until two 15 s heartbeats are missed (measured by the chaos suite: replies stalled ≈ 40 s).
    const messages = await consumer.consume({ expires: 5_000 });
    // When the subscription had to be recreated, end the stream: the client resumes with
    // Last-Event-ID on a fresh one, and nothing stored in the mailbox is skipped or shown twice.
    void (async () => {
      for await (const status of messages.status()) {
        if (RESUBSCRIBE.has(status.type)) {
          void messages.close();
          return;
        }
      }
    })();

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    // A reply's text while it is written: core NATS, no id (not resumable, superseded by the reply).
    const progress = this.bus.connection.subscribe(
      this.bus.topology.subjects.progress('http', this.config.HTTP_CHANNEL_TENANT, chatId),
      {
        callback: (error, msg) => {
          if (error) return;
          const event = TurnProgressed.envelope.safeParse(parseJson(msg.data));
          if (event.success) res.write(`event: progress\ndata: ${JSON.stringify({ turnId: event.data.data.turnId, text: event.data.data.text })}\n\n`);
        },
      },
    );
    req.on('close', () => {
      clearInterval(heartbeat);
      progress.unsubscribe();
      void messages.close();
    });
    for await (const msg of messages) {
      // The mailbox holds what delivery validated; anything else (not even JSON) is skipped, not fatal.
      const reply = HttpReplyPosted.envelope.safeParse(parseJson(msg.data));
      if (!reply.success) continue;
      res.write(`id: ${msg.seq}\nevent: reply\ndata: ${JSON.stringify(reply.data.data)}\n\n`);
    }
    clearInterval(heartbeat);
    res.end();
  }
}
