import type { Channel } from './events';

/**
 * Every stream and durable consumer of the platform, as data. `libs/bus` provisions it at start-up.
 *
 * A namespace prefixes every stream name and subject so that test runs and several installations
 * can share one NATS server without their subjects overlapping. The default namespace is empty.
 */

/** Inbound messages are spread over this many partitions by chat; one router handles a partition at a time. */
export const INBOUND_PARTITIONS = 8;

/** The channels whose replies wait in the HTTP mailbox stream, read over SSE. */
export type MailboxChannel = Extract<Channel, 'http' | 'cli'>;

export type StreamKey = 'INBOUND' | 'TURNS' | 'OUTBOUND' | 'EVENTS' | 'DLQ' | 'HTTP_MAILBOX';

export interface StreamSpec {
  readonly key: StreamKey;
  readonly name: string;
  readonly subjects: readonly string[];
  readonly maxAgeMs: number;
  readonly duplicateWindowMs: number;
  readonly maxMsgsPerSubject?: number;
  /** -1: no limit. */
  readonly maxBytes: number;
  readonly replicas: number;
  readonly description: string;
}

/** The service a durable consumer belongs to; every replica of that service pulls from it. */
export type ConsumerGroup = 'router' | 'session-runner' | 'delivery';

export interface ConsumerSpec {
  readonly group: ConsumerGroup;
  readonly stream: StreamKey;
  readonly durable: string;
  readonly filterSubject: string;
  /** How many messages may be unacknowledged at once, across all replicas. 1 serializes the consumer. */
  readonly maxAckPending: number;
  readonly ackWaitMs: number;
  /**
   * A message whose handler keeps failing with a retryable error is retried until it is this old
   * (measured from when it was published) and has had `minDeliveries`; only then is it dead-lettered.
   * Time, not a count: an outage of minutes costs retries, never the message.
   */
  readonly retryBudgetMs: number;
  /** Deliveries a retryable failure always gets, however quickly they go by. */
  readonly minDeliveries: number;
  /** Redelivery delays after a nak, by attempt; the last one repeats. */
  readonly backoffMs: readonly number[];
}

/** Retry settings an installation may change (env, validated by the apps); defaults below. */
export interface RetryOptions {
  /** How long a retryable failure is retried, from the message's publish (default 10 minutes). */
  readonly budgetMs?: number;
  /** Caps every redelivery delay (default: the consumers' own steps, at most 5 s). */
  readonly backoffMaxMs?: number;
}

/** Stream settings an installation may raise (env, validated by the apps); an operator's higher values are kept. */
export interface StreamOptions {
  /** Replicas of every stream (1 locally, 3 on a JetStream cluster). */
  readonly replicas?: number;
  /** Oldest message kept (ms) in the work streams (INBOUND, TURNS, OUTBOUND, EVENTS); default 7 days. */
  readonly maxAgeMs?: number;
  /** Bytes kept per stream; -1 (default): no limit. */
  readonly maxBytes?: number;
  /** Oldest dead letter kept (ms); default 30 days. */
  readonly dlqMaxAgeMs?: number;
}

export interface TopologyOptions {
  readonly retry?: RetryOptions;
  readonly streams?: StreamOptions;
}

const MINUTE = 60_000;

/**
 * How long a delivered message may go unacknowledged before JetStream hands it to another replica.
 * Short, because a crashed consumer's messages (and, on a serial partition, everything behind them)
 * wait this long; handlers that run longer report progress (`working()`) every third of it.
 */
export const ACK_WAIT_MS = 5_000;
/** Redelivery delays while a message waits for its predecessor: short steps, capped low. */
const GAP_BACKOFF_MS = [20, 100, 250, 500, 1_000, 2_000];
const DAY = 24 * 60 * MINUTE;
/** Default time budget of a retryable failure: an outage of PostgreSQL or NATS this long dead-letters nothing. */
export const RETRY_BUDGET_MS = 10 * MINUTE;

/** FNV-1a, 32 bit: a stable, dependency-free hash for partitioning. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** `%`, `:` and `/` of a chat key part, percent-encoded: the separators stay unambiguous. */
export const escapeKeyPart = (part: string): string => part.replace(/[%:/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `channel:chatId[:threadId]`, each part escaped, so `a:b` + thread `c` never equals `a` + thread `b:c`.
 * Ids without `%`, `:` or `/` (every id before threads could hold them) keep the key they had.
 */
export function chatKey(chat: { channel: Channel; chatId: string; threadId?: string }): string {
  const base = `${chat.channel}:${escapeKeyPart(chat.chatId)}`;
  return chat.threadId ? `${base}:${escapeKeyPart(chat.threadId)}` : base;
}

export function topology(namespace = '', options: TopologyOptions = {}) {
  if (namespace && !/^[a-z0-9_-]{1,40}$/.test(namespace)) throw new Error(`invalid bus namespace "${namespace}"`);
  const s = (subject: string) => (namespace ? `${namespace}.${subject}` : subject);
  const n = (name: string) => (namespace ? `${namespace}_${name}`.toUpperCase().replace(/-/g, '_') : name);

  const subjects = {
    inboundReceived: (channel: Channel, partition: number) => s(`inbound.received.${channel}.${partition}`),
    turnRequested: (tenantId: string, sessionId: string) => s(`turn.requested.${tenantId}.${sessionId}`),
    toolCompleted: (tenantId: string, sessionId: string) => s(`tool.completed.${tenantId}.${sessionId}`),
    outboundReady: (channel: Channel) => s(`outbound.ready.${channel}`),
    /** `events.turn.completed.<tenant>`, `events.delivery.failed.<tenant>`, ... */
    event: (type: string, tenantId: string) => s(`events.${type}.${tenantId}`),
    /** One mailbox per channel and chat: an http and a cli chat with the same id never share one. */
    httpMailbox: (channel: MailboxChannel, tenantId: string, chatId: string) =>
      s(`mailbox.${channel}.${tenantId}.${chatId}`),
    /**
     * A tenant's provisioning data changed; caches drop it. Stored in EVENTS, because admin-api
     * publishes it through its outbox (a committed change is always announced); routers and runners
     * read it with core subscriptions, which see what JetStream stores.
     */
    provisioningChanged: (tenantId: string) => s(`events.provisioning.changed.${tenantId}`),
    /** Core NATS only (no stream): a reply's text while it is written. */
    progress: (channel: Channel, tenantId: string, chatId: string) => s(`progress.${channel}.${tenantId}.${chatId}`),
    /** The dead-letter subject of a message that was on `subject`. */
    deadLetter: (subject: string) => s(`dlq.${namespace ? subject.slice(namespace.length + 1) : subject}`),
  };

  const limits = options.streams ?? {};
  const stream = (
    key: StreamKey,
    subjectList: string[],
    description: string,
    extra: Partial<StreamSpec> = {},
  ): StreamSpec => ({
    key,
    name: n(key),
    subjects: subjectList.map(s),
    maxAgeMs: limits.maxAgeMs ?? 7 * DAY,
    maxBytes: limits.maxBytes ?? -1,
    replicas: limits.replicas ?? 1,
    duplicateWindowMs: 5 * MINUTE,
    description,
    ...extra,
  });
  const retryBudgetMs = options.retry?.budgetMs ?? RETRY_BUDGET_MS;
  const backoff = (steps: readonly number[]) =>
    options.retry?.backoffMaxMs === undefined ? steps : steps.map((ms) => Math.min(ms, options.retry!.backoffMaxMs!));

  const streams: Record<StreamKey, StreamSpec> = {
    INBOUND: stream('INBOUND', ['inbound.received.>'], 'Messages accepted by channels'),
    TURNS: stream('TURNS', ['turn.requested.>', 'tool.completed.>'], 'Work for session-runner'),
    OUTBOUND: stream('OUTBOUND', ['outbound.ready.>'], 'Replies to deliver'),
    EVENTS: stream('EVENTS', ['events.>'], 'Facts for projections and metrics'),
    DLQ: stream('DLQ', ['dlq.>'], 'Dead letters, with the reason in headers', {
      maxAgeMs: limits.dlqMaxAgeMs ?? 30 * DAY,
    }),
    HTTP_MAILBOX: stream('HTTP_MAILBOX', ['mailbox.http.>', 'mailbox.cli.>'], 'Replies to HTTP/CLI chats, read over SSE', {
      maxAgeMs: DAY,
      maxMsgsPerSubject: 1_000,
    }),
  };

  const consumerNames = {
    router: (partition: number) => `router-p${partition}`,
    sessionRunner: 'session-runner',
    delivery: 'delivery',
  };

  const routerConsumers: ConsumerSpec[] = Array.from({ length: INBOUND_PARTITIONS }, (_, p) => ({
    group: 'router',
    stream: 'INBOUND',
    durable: consumerNames.router(p),
    filterSubject: s(`inbound.received.*.${p}`),
    // Serial per partition, so a chat's messages are routed in the order they were accepted.
    maxAckPending: 1,
    ackWaitMs: ACK_WAIT_MS,
    retryBudgetMs,
    minDeliveries: 20,
    backoffMs: backoff([100, 500, 2_000, 5_000]),
  }));

  const consumers: ConsumerSpec[] = [
    ...routerConsumers,
    {
      group: 'session-runner',
      stream: 'TURNS',
      durable: consumerNames.sessionRunner,
      filterSubject: s('>'),
      maxAckPending: 1_024,
      ackWaitMs: ACK_WAIT_MS,
      // A turn request that arrives before its predecessor is naked until the predecessor is recorded
      // (or, when it is missing, the runner settles the gap).
      retryBudgetMs,
      minDeliveries: 50,
      backoffMs: backoff(GAP_BACKOFF_MS),
    },
    {
      group: 'delivery',
      stream: 'OUTBOUND',
      durable: consumerNames.delivery,
      filterSubject: s('outbound.ready.>'),
      maxAckPending: 1_024,
      ackWaitMs: ACK_WAIT_MS,
      retryBudgetMs,
      minDeliveries: 50,
      backoffMs: backoff(GAP_BACKOFF_MS),
    },
  ];

  return { namespace, subjects, streams, consumers, consumerNames };
}

export type Topology = ReturnType<typeof topology>;
