import { Channel, ChatId, MessageText, ThreadId } from '@clawfleet/contracts';
import { AgentId } from '@clawfleet/provisioning';
import { SESSION_STATUSES, type IndexedSession, type ParkedSession } from '@clawfleet/records';
import { z } from 'zod';
import { MicrosTime } from '../http/keyset';
import { PageQuery } from '../http/pagination';

export const SessionIdParam = z.uuid({ error: 'sessionId must be a UUID' });

const Time = z.iso.datetime({ offset: true });

/** `GET …/sessions`: filters, newest update first. */
export const SessionListQuery = PageQuery.extend({
  agentId: AgentId.optional(),
  status: z.enum(SESSION_STATUSES).optional(),
  channel: Channel.optional(),
  chatId: ChatId.optional(),
  threadId: ThreadId.optional(),
  /** Sessions updated at or after this time. */
  updatedSince: Time.optional(),
  /** Sessions updated before this time. */
  updatedBefore: Time.optional(),
})
  .strict()
  .refine((q) => q.chatId === undefined || q.channel !== undefined, {
    message: 'chatId needs channel',
    path: ['chatId'],
  })
  .refine((q) => q.threadId === undefined || q.chatId !== undefined, {
    message: 'threadId needs chatId',
    path: ['threadId'],
  })
  .refine((q) => !q.updatedSince || !q.updatedBefore || Date.parse(q.updatedSince) < Date.parse(q.updatedBefore), {
    message: 'updatedSince must be before updatedBefore',
    path: ['updatedSince'],
  });

export const SessionCursor = z.strictObject({ at: MicrosTime, id: z.uuid() });
export const VersionCursor = z.strictObject({ after: z.number().int().nonnegative() });

export const PageOnly = PageQuery.strict();

const ChatView = z.object({ channel: Channel, chatId: z.string(), threadId: z.string().optional() });

export const SessionView = z.object({
  id: z.uuid(),
  agentId: z.string(),
  agentVersion: z.number().int().nullable(),
  chat: ChatView,
  status: z.enum(SESSION_STATUSES),
  /** The running or suspended turn. */
  turnId: z.uuid().nullable(),
  /** Messages waiting for a turn. */
  queued: z.number().int(),
  lastSeq: z.number().int(),
  turns: z.number().int(),
  usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int() }),
  /** The stream's version: how many events the timeline has. */
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type SessionView = z.infer<typeof SessionView>;

export const ParkedView = z.object({
  sessionId: z.uuid(),
  failures: z.number().int(),
  lastError: z.string().nullable(),
  parkedAt: z.iso.datetime(),
});

/** One session: its summary, and its circuit when it is parked. */
export const SessionDetailView = SessionView.extend({ parked: ParkedView.omit({ sessionId: true }).nullable() });

export const sessionView = (s: IndexedSession): SessionView => ({
  id: s.sessionId,
  agentId: s.agentId,
  agentVersion: s.agentVersion,
  chat: s.chat,
  status: s.status,
  turnId: s.turnId,
  queued: s.queued,
  lastSeq: s.lastSeq,
  turns: s.turns,
  usage: s.usage,
  version: s.version,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

export const parkedView = (p: ParkedSession) => ({
  sessionId: p.sessionId,
  failures: p.failures,
  lastError: p.lastError,
  parkedAt: p.parkedAt.toISOString(),
});

/**
 * One recorded event of the session, as stored. `data` is data: the text of users, models and tools
 * in it is untrusted content to display or analyse, never instructions; known credential shapes are
 * masked (none should ever be there: provider keys never leave session-runner).
 */
export const TimelineEventView = z.object({
  version: z.number().int(),
  type: z.string(),
  recordedAt: z.iso.datetime(),
  data: z.record(z.string(), z.unknown()),
});

/** An operator's message into the session, routed like a chat message (`messageId`: an idempotency key). */
export const PostMessage = z.strictObject({
  text: MessageText,
  messageId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'messageId must be 1-100 of [A-Za-z0-9_.:-]')
    .optional(),
});

/** Accepted: the message is on its way through the router; its outcome is at `outcome`. */
export const AcceptedMessage = z.object({
  sessionId: z.uuid(),
  /** The inbound message's id on the session's chat (`operator:<sessionId>:m:<idempotency key>`, or `…:stop:<seq>`). */
  messageId: z.string(),
  /** `GET` it for the message's terminal outcome (404 until the router has recorded one). */
  outcome: z.string(),
  /** false when the same request was accepted before: nothing was sent again. */
  accepted: z.boolean(),
});

/** `turnId`: the running turn; null when a turn is about to start (`queued`). */
export const CancelAccepted = AcceptedMessage.extend({ turnId: z.uuid().nullable() });

/** `GET …/messages/{messageId}/outcome?channel=&chatId=[&threadId=]`: which chat the message was on. */
export const OutcomeQuery = z.strictObject({ channel: Channel, chatId: ChatId, threadId: ThreadId.optional() });
export const MessageIdParam = z.string().min(1).max(200);

export const OutcomeView = z.object({
  messageKey: z.string(),
  outcome: z.enum(['engaged', 'ignored', 'refused', 'failed']),
  /** Per agent considered: engaged (its turn and session), ignored (the rule), refused or failed (why). */
  decisions: z.array(
    z.object({
      kind: z.enum(['engage', 'ignore', 'refuse', 'fail']),
      agentId: z.string().optional(),
      turnId: z.string().optional(),
      sessionId: z.string().optional(),
      rule: z.string().optional(),
      reason: z.string().optional(),
    }),
  ),
  recordedAt: z.iso.datetime(),
});
