import type { HttpReplyPosted } from '@clawfleet/contracts';

/** Server-Sent Events framing of the reply stream (pure). */

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** A comment line: keeps proxies from closing an idle stream. */
export const PING = ': ping\n\n';

/** A reply, with the mailbox sequence as its id, so `Last-Event-ID` resumes right after it. */
export function replyFrame(seq: number, reply: HttpReplyPosted['data']): string {
  return `id: ${seq}\nevent: reply\ndata: ${JSON.stringify(reply)}\n\n`;
}

/** A reply's text while it is written: no id (not resumable, superseded by the reply). */
export function progressFrame(turnId: string, text: string): string {
  return `event: progress\ndata: ${JSON.stringify({ turnId, text })}\n\n`;
}

/** The stream's last frame when its key was revoked or expired: the client should not reconnect with it. */
export function keyEndedFrame(): string {
  return `event: unauthorized\ndata: ${JSON.stringify({ status: 401, detail: 'The API key was revoked or expired.' })}\n\n`;
}
