import { ownedChatId } from '@clawfleet/auth';
import { Bus } from '@clawfleet/bus';
import { chatKey } from '@clawfleet/contracts';
import { Controller, Get, Param, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ChannelCaller } from '../auth/channel-auth';
import { Caller, ChannelKeyGuard } from '../auth/channel-key.guard';
import { KeyWatch } from '../auth/key-watch';
import { parseChatName } from './chat-id';
import { openMailbox } from './mailbox.reader';
import { ReplyStreams } from './reply-streams';
import { keyEndedFrame, PING, progressFrame, replyFrame, SSE_HEADERS } from './sse';
import { StreamClosed } from './stream-scope';

const LastEventId = z.coerce.number().int().nonnegative();
const HEARTBEAT_MS = 15_000;

/**
 * The HTTP channel's reply transport: the caller's chat's replies as Server-Sent Events. The chat is
 * the key's user's own (`ownedChatId`), so `Last-Event-ID` (or `?after=`) resumes within it and can
 * reach no one else's. Streams are bounded per chat, per user and per process (429 over a limit);
 * whatever a stream holds is released when its client leaves, before, during or after setup, and
 * the stream ends once its key is revoked or expires.
 */
@Controller('v1/chats/:chatId')
@UseGuards(ChannelKeyGuard)
export class RepliesController {
  constructor(
    private readonly bus: Bus,
    private readonly streams: ReplyStreams,
    private readonly keyWatch: KeyWatch,
  ) {}

  @Get('events')
  async events(
    @Param('chatId') rawChatId: string,
    @Req() req: Request,
    @Res() res: Response,
    @Caller() caller: ChannelCaller,
  ) {
    const chatName = parseChatName(rawChatId);
    const resumeFrom = req.header('last-event-id') ?? (req.query['after'] as string | undefined);
    const after = resumeFrom === undefined ? undefined : LastEventId.parse(resumeFrom);
    const { tenantId, userId } = caller.principal;
    const chatId = ownedChatId(userId, chatName);
    const scope = this.streams.open(chatKey({ channel: 'http', chatId }), `${tenantId}\u001f${userId}`);
    // Before any await: the moment the client goes, everything the stream took is released.
    res.once('close', () => scope.close());
    if (res.destroyed || req.socket.destroyed) scope.close();
    try {
      scope.own(
        this.keyWatch.watch(caller, () => {
          if (res.headersSent && !res.writableEnded) res.write(keyEndedFrame());
          scope.close();
        }),
        (unwatch) => unwatch(),
      );
      const { subjects } = this.bus.topology;
      const replies = await openMailbox(
        this.bus,
        scope,
        {
          subject: subjects.httpMailbox('http', tenantId, chatId),
          progressSubject: subjects.progress('http', tenantId, chatId),
          after,
        },
        (turnId, text) => res.headersSent && res.write(progressFrame(turnId, text)),
      );
      res.writeHead(200, SSE_HEADERS);
      res.flushHeaders();
      scope.own(
        setInterval(() => res.write(PING), HEARTBEAT_MS),
        (timer) => clearInterval(timer),
      );
      // The client sees its chat by the name it gave, not the owned id inside the platform.
      const chat = { channel: 'http' as const, chatId: chatName };
      for await (const { seq, reply } of replies) res.write(replyFrame(seq, { ...reply, chat }));
    } catch (error) {
      if (!(error instanceof StreamClosed)) throw error;
    } finally {
      scope.close();
    }
    if (!res.writableEnded) res.end();
  }
}
