import { Bus } from '@clawfleet/bus';
import { chatKey } from '@clawfleet/contracts';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { parseChatId } from './chat-id';
import { openMailbox } from './mailbox.reader';
import { ReplyStreams } from './reply-streams';
import { PING, progressFrame, replyFrame, SSE_HEADERS } from './sse';
import { StreamClosed } from './stream-scope';

const LastEventId = z.coerce.number().int().nonnegative();
const HEARTBEAT_MS = 15_000;

/** Who opens a stream, for the per-client limit: the peer address until keys identify users. */
function clientOf(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * The HTTP channel's reply transport: a chat's replies as Server-Sent Events. `Last-Event-ID` (or
 * `?after=`) resumes after a reply already seen. Streams are bounded per chat, per client and per
 * process (429 over a limit), and whatever a stream holds is released when its client leaves,
 * before, during or after setup.
 */
@Controller('v1/chats/:chatId')
export class RepliesController {
  constructor(
    private readonly bus: Bus,
    private readonly streams: ReplyStreams,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('events')
  async events(@Param('chatId') rawChatId: string, @Req() req: Request, @Res() res: Response) {
    const chatId = parseChatId(rawChatId);
    const resumeFrom = req.header('last-event-id') ?? (req.query['after'] as string | undefined);
    const after = resumeFrom === undefined ? undefined : LastEventId.parse(resumeFrom);
    const tenantId = this.config.HTTP_CHANNEL_TENANT;
    const scope = this.streams.open(chatKey({ channel: 'http', chatId }), clientOf(req));
    // Before any await: the moment the client goes, everything the stream took is released.
    res.once('close', () => scope.close());
    if (res.destroyed || req.socket.destroyed) scope.close();
    try {
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
      for await (const { seq, reply } of replies) res.write(replyFrame(seq, reply));
    } catch (error) {
      if (!(error instanceof StreamClosed)) throw error;
    } finally {
      scope.close();
    }
    if (!res.writableEnded) res.end();
  }
}
