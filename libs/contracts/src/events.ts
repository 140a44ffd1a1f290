import { z } from 'zod';
import { defineEvent, EventOf } from './envelope';
import { storable, StorableText } from './text';

/** Longest user message accepted from any channel, in characters. */
export const MAX_MESSAGE_CHARS = 32_000;
/** Longest reply text one outbound message may carry, in characters; delivery splits per channel. */
export const MAX_REPLY_CHARS = 200_000;

/** Every channel a message may come from or go to, including the ones still to be built. */
export const Channel = z.enum(['http', 'cli', 'telegram', 'slack', 'openai']);
export type Channel = z.infer<typeof Channel>;

/** A subject-safe identifier (no `.`, `*`, `>` or white space). */
const Token = (what: string, max = 128) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9_:-]{1,${max}}$`), `${what} must be 1-${max} of [A-Za-z0-9_:-]`);

export const ChatId = Token('chatId');
/**
 * A thread within a chat: a Telegram topic id, a Slack `thread_ts` (`1712345678.123456`). Never part
 * of a subject (only of the chat key, which escapes it), so `.` is allowed here.
 */
export const ThreadId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'threadId must be 1-128 of [A-Za-z0-9_.:-]');

/** Where a conversation happens: a chat (and thread) on one channel. */
export const ChatRef = z.object({
  channel: Channel,
  chatId: ChatId,
  threadId: ThreadId.optional(),
});
export type ChatRef = z.infer<typeof ChatRef>;

/** Everything in a message that a person or a channel chose is checked to be storable (see text.ts). */
export const Sender = z.object({
  id: storable(z.string().min(1).max(128), 'sender id'),
  displayName: StorableText(200, 'displayName').optional(),
});
export type Sender = z.infer<typeof Sender>;

export const MessageText = storable(
  z
    .string()
    .min(1, 'text must not be empty')
    .max(MAX_MESSAGE_CHARS, `text is longer than ${MAX_MESSAGE_CHARS} characters`),
);

/** A channel's own id of a message (update id, event id, a client's idempotency key). */
export const MessageId = storable(z.string().min(1).max(200), 'messageId');

export const Usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

/** A user's message accepted by a channel. Stored in JetStream before the channel is answered. */
export const InboundReceived = defineEvent(
  'inbound.received',
  1,
  z.object({
    chat: ChatRef,
    /** The channel's own id of the message (Telegram update id, Slack event id, client key): dedup key. */
    messageId: MessageId,
    sender: Sender,
    text: MessageText,
    receivedAt: z.iso.datetime({ offset: true }),
    /** Whom the message addresses, as the channel reports it (a bot's username, an agent's handle). */
    mentions: z.array(z.string().min(1).max(100)).max(50).optional(),
    /**
     * Posted by an operator through the admin API into one session (`sessionId`, of agent `agentId`)
     * rather than by a user of the chat: the router puts it in that session, in the chat's order,
     * without bindings, engage modes or sender scopes, and runs its commands (`/stop`) as an admin's.
     * `keyId` is the API key it was posted with (the sender is `operator:<key prefix>`).
     */
    operator: z
      .object({ sessionId: z.uuid(), agentId: z.string().min(1).max(100), keyId: z.string().min(1).max(100) })
      .optional(),
  }),
);
export type InboundReceived = EventOf<typeof InboundReceived>;

/**
 * Chat commands every agent understands; the router recognises them, session-runner carries them out.
 * `refused`: a command the router did not allow (its `args` is the reason, which the session sends as a notice).
 * `notice`: a text the router decided for the sender (a pairing code, a pairing's result), sent as a notice.
 */
export const ChatCommandName = z.enum([
  'new',
  'stop',
  'continue',
  'status',
  'usage',
  'model',
  'help',
  'unknown',
  'refused',
  'notice',
]);
export type ChatCommandName = z.infer<typeof ChatCommandName>;
export const ChatCommand = z.object({ name: ChatCommandName, args: StorableText(200, 'command arguments') });
export type ChatCommand = z.infer<typeof ChatCommand>;

/** Ask session-runner to run a turn for one message of a session. */
export const TurnRequested = defineEvent(
  'turn.requested',
  1,
  z.object({
    sessionId: z.uuid(),
    agentId: z.string().min(1).max(100),
    /**
     * The agent's configuration version in force when the message was routed; the session records it
     * (`AgentConfigured`) before the message, so the turn runs with it. Absent: the version the session has.
     */
    agentVersion: z.number().int().positive().optional(),
    /** Derived from the inbound message, so a repeated message asks for the same turn. */
    turnId: z.uuid(),
    /** 1, 2, 3 ... per session, assigned by the router: the order turns are recorded in. */
    seq: z.number().int().positive(),
    chat: ChatRef,
    message: z.object({ messageId: MessageId, text: MessageText, sender: Sender }),
    source: z.enum(['user', 'schedule', 'api']),
    /** Set when the message is a chat command (`/stop`, `/model gpt-4.1`, ...): it starts no turn. */
    command: ChatCommand.optional(),
  }),
);
export type TurnRequested = EventOf<typeof TurnRequested>;

/** The outcome of a tool call that suspended its turn (a user's answer, a long job, a timeout). */
export const ToolCompleted = defineEvent(
  'tool.completed',
  1,
  z.object({
    sessionId: z.uuid(),
    turnId: z.uuid(),
    toolCallId: z.string().min(1).max(200),
    outcome: z.discriminatedUnion('status', [
      z.object({ status: z.literal('ok'), content: StorableText(MAX_REPLY_CHARS, 'content') }),
      z.object({ status: z.literal('error'), message: StorableText(10_000, 'message') }),
      z.object({ status: z.literal('timeout') }),
    ]),
  }),
);
export type ToolCompleted = EventOf<typeof ToolCompleted>;

/**
 * Largest file one outbound message carries, in bytes (before base64). Files travel inline: in the
 * outbox row, the OUTBOUND stream, the HTTP mailbox and the reply event, so one message stays well
 * under NATS's 1 MiB limit (base64 adds a third). Larger files need object storage (not built).
 */
export const MAX_ATTACHMENT_BYTES = 512 * 1024;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f/\\]/;

/** A file's name as a user sees it: no path parts, no control characters, not `.` or `..`. */
export const AttachmentName = storable(
  z
    .string()
    .min(1)
    .max(255)
    .refine((name) => !NAME_FORBIDDEN.test(name) && name !== '.' && name !== '..', {
      message: 'a file name has no path separators or control characters and is not "." or ".."',
    }),
  'attachment name',
);

/** `type/subtype`, lower case, without parameters. */
export const MediaType = z
  .string()
  .max(255)
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, 'a media type is type/subtype in lower case');

/** Bytes that `base64` (padded, standard alphabet) stands for. */
export const base64Bytes = (base64: string) =>
  (base64.length / 4) * 3 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);

/**
 * A file sent to the user with a reply (the agent's `send_file`): inline, base64, up to
 * MAX_ATTACHMENT_BYTES. Never a path: the bytes themselves, checked against `size` and `sha256`.
 */
export const Attachment = z
  .object({
    name: AttachmentName,
    mediaType: MediaType,
    size: z.number().int().nonnegative().max(MAX_ATTACHMENT_BYTES),
    /** Hex SHA-256 of the bytes, for a client to check what it saved. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The bytes, base64 (standard, padded). */
    content: z.base64().max(Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4),
  })
  .refine((a) => base64Bytes(a.content) === a.size, { message: 'content does not hold size bytes', path: ['content'] });
export type Attachment = z.infer<typeof Attachment>;

/** A reply ready to be sent to a chat, exactly once and in `seq` order per session. */
export const OutboundReady = defineEvent(
  'outbound.ready',
  1,
  z.object({
    outboundId: z.uuid(),
    sessionId: z.uuid(),
    turnId: z.uuid().nullable(),
    /** 1, 2, 3 ... per session: delivery sends them in this order. */
    seq: z.number().int().positive(),
    chat: ChatRef,
    text: storable(z.string().min(1).max(MAX_REPLY_CHARS)),
    /** The channel message id this answers, when there is one. */
    replyTo: StorableText(200, 'replyTo').optional(),
    kind: z.enum(['reply', 'error', 'notice']),
    /** A file for the user (`send_file`); `text` is then its caption. Each channel shows it its own way. */
    attachment: Attachment.optional(),
  }),
);
export type OutboundReady = EventOf<typeof OutboundReady>;

export const TurnCompleted = defineEvent(
  'turn.completed',
  1,
  z.object({
    sessionId: z.uuid(),
    turnId: z.uuid(),
    agentId: z.string(),
    usage: Usage,
    modelCalls: z.number().int().nonnegative(),
    toolCalls: z.number().int().nonnegative(),
  }),
);
export type TurnCompleted = EventOf<typeof TurnCompleted>;

export const TurnFailed = defineEvent(
  'turn.failed',
  1,
  z.object({
    sessionId: z.uuid(),
    turnId: z.uuid(),
    agentId: z.string(),
    code: z.string().max(100),
    /** The full reason (a provider's error text included); the user was sent a short text instead. */
    reason: StorableText(2_000, 'reason'),
    retryable: z.boolean(),
  }),
);
export type TurnFailed = EventOf<typeof TurnFailed>;

export const DeliverySucceeded = defineEvent(
  'delivery.succeeded',
  1,
  z.object({ outboundId: z.uuid(), sessionId: z.uuid(), chat: ChatRef, channelMessageIds: z.array(z.string()) }),
);
export type DeliverySucceeded = EventOf<typeof DeliverySucceeded>;

export const DeliveryFailed = defineEvent(
  'delivery.failed',
  1,
  z.object({ outboundId: z.uuid(), sessionId: z.uuid(), chat: ChatRef, reason: StorableText(2_000, 'reason') }),
);
export type DeliveryFailed = EventOf<typeof DeliveryFailed>;

/** A reply posted to an HTTP/CLI chat's mailbox, which the gateway streams to clients (SSE): the reply as delivery got it. */
export const HttpReplyPosted = defineEvent('http.reply.posted', 1, OutboundReady.data);
export type HttpReplyPosted = EventOf<typeof HttpReplyPosted>;

/**
 * The text of a reply while the model still writes it. Ephemeral: published on core NATS (no stream),
 * at most a few times a second, the whole text so far each time, so a lost one costs nothing.
 */
export const TurnProgressed = defineEvent(
  'turn.progressed',
  1,
  z.object({
    sessionId: z.uuid(),
    turnId: z.uuid(),
    chat: ChatRef,
    text: StorableText(MAX_REPLY_CHARS),
  }),
);
export type TurnProgressed = EventOf<typeof TurnProgressed>;

/**
 * Provisioning data of a tenant changed (an agent, a binding, a user, a role ...): routers and runners
 * drop what they cached of it. Written to admin-api's outbox with the change, so it is published
 * once the change commits (EVENTS stream); caches also expire on their own.
 */
export const ProvisioningChanged = defineEvent(
  'provisioning.changed',
  1,
  z.object({
    kind: z.enum(['tenant', 'agent', 'channel', 'group', 'binding', 'user', 'role', 'relationship', 'pairing']),
    /** The id of what changed, when one thing did. */
    id: z.string().max(200).optional(),
  }),
);
export type ProvisioningChanged = EventOf<typeof ProvisioningChanged>;

/** Every event on the bus, by type. */
export const Events = {
  [InboundReceived.type]: InboundReceived,
  [TurnRequested.type]: TurnRequested,
  [ToolCompleted.type]: ToolCompleted,
  [OutboundReady.type]: OutboundReady,
  [TurnCompleted.type]: TurnCompleted,
  [TurnFailed.type]: TurnFailed,
  [DeliverySucceeded.type]: DeliverySucceeded,
  [DeliveryFailed.type]: DeliveryFailed,
  [HttpReplyPosted.type]: HttpReplyPosted,
  [TurnProgressed.type]: TurnProgressed,
  [ProvisioningChanged.type]: ProvisioningChanged,
} as const;
export type EventType = keyof typeof Events;
export type AnyEvent = EventOf<(typeof Events)[EventType]>;
