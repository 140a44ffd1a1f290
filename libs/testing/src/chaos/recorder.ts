import { HttpReplyPosted, topology } from '@clawfleet/contracts';
import { connect } from '@nats-io/transport-node';
import { createParser } from 'eventsource-parser';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Client } from 'pg';
import { sleep } from '../launcher/support';
import { readWholeStream } from './stream-reader';
import { CHAOS_TOOL_FILE } from './model-plan';
import type { ChaosRecords, FaultRecord, MailboxEntry, ReplyRecord, SandboxEffects, SentRecord, StoreSnapshot } from './types';

/**
 * Records a chaos run from the user's side: what each chat sent and whether the gateway accepted
 * it, and every reply event its SSE stream delivered, as it came (no deduplication).
 */
export class ChaosRecorder {
  readonly startedAt = Date.now();
  readonly sends: SentRecord[] = [];
  readonly replies: ReplyRecord[] = [];
  readonly faults: FaultRecord[] = [];
  /** Reconnects of the SSE streams (gateway restarts, NATS restarts), for the report. */
  sseReconnects = 0;
  private readonly waiters = new Map<string, () => void>();
  private readonly answeredIds = new Set<string>();
  private readonly replyListeners = new Set<(reply: ReplyRecord) => void>();
  private store?: StoreSnapshot;
  private mailbox?: MailboxEntry[];
  private sandbox?: SandboxEffects;
  private endedAt?: number;

  send(record: SentRecord): void {
    this.sends.push(record);
  }

  reply(record: ReplyRecord): void {
    this.replies.push(record);
    if (record.replyTo !== undefined) {
      this.answeredIds.add(record.replyTo);
      this.waiters.get(record.replyTo)?.();
      this.waiters.delete(record.replyTo);
    }
    this.replyListeners.forEach((listener) => listener(record));
  }

  fault(record: FaultRecord): void {
    this.faults.push(record);
  }

  onReply(listener: (reply: ReplyRecord) => void): () => void {
    this.replyListeners.add(listener);
    return () => this.replyListeners.delete(listener);
  }

  answered(messageId: string): boolean {
    return this.answeredIds.has(messageId);
  }

  /** Receive time of the first reply to a message whose first send came at or after `since` (epoch ms). */
  firstReplyToMessageSentSince(since: number): number | undefined {
    const sentAt = new Map<string, number>();
    for (let i = this.sends.length - 1; i >= 0 && this.sends[i]!.sentAt >= since - 60_000; i--)
      sentAt.set(this.sends[i]!.messageId, this.sends[i]!.sentAt);
    let first: number | undefined;
    for (let i = this.replies.length - 1; i >= 0 && this.replies[i]!.receivedAt >= since; i--) {
      const r = this.replies[i]!;
      const at = r.replyTo === undefined ? undefined : sentAt.get(r.replyTo);
      if (at !== undefined && at >= since) first = r.receivedAt;
    }
    return first;
  }

  /** Resolves true once a reply to `messageId` was seen, false after `timeoutMs`. */
  waitForReply(messageId: string, timeoutMs: number): Promise<boolean> {
    if (this.answered(messageId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(messageId);
        resolve(false);
      }, timeoutMs);
      this.waiters.set(messageId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Accepted messages without any reply yet. */
  unanswered(): SentRecord[] {
    return this.sends.filter((s) => s.status === 'accepted' && !this.answeredIds.has(s.messageId));
  }

  /** Reads the session facts and delivery records (see `readStore`) into the records. */
  async readStore(databaseUrl: string): Promise<void> {
    this.store = await readStore(databaseUrl);
  }

  /** Reads what the sandbox calls left in the workspaces under `root` (see `readSandboxEffects`). */
  readSandbox(root: string): void {
    this.sandbox = readSandboxEffects(root);
  }

  /** Reads the HTTP mailbox stream (see `readMailbox`) into the records. */
  async readMailbox(natsUrl: string, namespace: string): Promise<void> {
    this.mailbox = await readMailbox(natsUrl, namespace);
  }

  end(): void {
    this.endedAt ??= Date.now();
  }

  records(): ChaosRecords {
    return {
      startedAt: this.startedAt,
      endedAt: this.endedAt ?? Date.now(),
      sends: [...this.sends],
      replies: [...this.replies],
      faults: [...this.faults],
      ...(this.store && { store: this.store }),
      ...(this.mailbox && { mailbox: this.mailbox }),
      ...(this.sandbox && { sandbox: this.sandbox }),
    };
  }
}

/**
 * Every CHAOS_TOOL_FILE under the run's workspace root (one per session that ran a `bash` call; a
 * workspace is a directory of its own or a claimed pool directory), each line counted: a label seen
 * twice is a call that ran twice.
 */
export function readSandboxEffects(root: string): SandboxEffects {
  const lines: Record<string, number> = {};
  let files = 0;
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (basename(rel) !== CHAOS_TOOL_FILE) continue;
    files++;
    for (const line of readFileSync(join(root, rel), 'utf8').split('\n'))
      if (line !== '') lines[line] = (lines[line] ?? 0) + 1;
  }
  return { lines, files };
}

/** `UserMessageAdded`, `TurnCompleted`, `TurnFailed`, `ToolCallStarted`, `ToolCallCompleted` from the event store, and `delivery.deliveries`. */
export async function readStore(databaseUrl: string): Promise<StoreSnapshot> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const events = await client.query<{
      stream_id: string;
      type: string;
      data: Record<string, unknown>;
      recorded_at: Date;
    }>(
      `SELECT stream_id, type, data, recorded_at FROM eventstore.events
       WHERE type IN ('UserMessageAdded', 'TurnCompleted', 'TurnFailed', 'ToolCallStarted', 'ToolCallCompleted') ORDER BY global_position`,
    );
    const deliveries = await client.query<{
      outbound_id: string;
      session_id: string;
      seq: number;
      chat_id: string;
      status: string;
      delivered_at: Date;
    }>(
      `SELECT outbound_id, session_id, seq, chat_id, status, delivered_at FROM delivery.deliveries ORDER BY delivered_at`,
    );
    const outbox = await client.query<{ n: string }>(`SELECT count(*) AS n FROM eventstore.outbox`);
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return {
      events: events.rows.map((r) => ({
        streamId: r.stream_id,
        type: r.type,
        ...(str(r.data['turnId']) && { turnId: str(r.data['turnId']) }),
        ...(str(r.data['messageId']) && { messageId: str(r.data['messageId']) }),
        ...(str(r.data['outboundId']) && { outboundId: str(r.data['outboundId']) }),
        ...(str(r.data['toolCallId']) && { toolCallId: str(r.data['toolCallId']) }),
        ...(r.type === 'ToolCallStarted' && str(r.data['name']) && { name: str(r.data['name']) }),
        ...(r.type === 'ToolCallCompleted' && {
          status: str((r.data['outcome'] as Record<string, unknown> | undefined)?.['status']),
        }),
        at: r.recorded_at.getTime(),
      })),
      deliveries: deliveries.rows.map((r) => ({
        outboundId: r.outbound_id,
        sessionId: r.session_id,
        seq: r.seq,
        chatId: r.chat_id,
        status: r.status,
        at: r.delivered_at.getTime(),
      })),
      outboxPending: Number(outbox.rows[0]?.n ?? 0),
    };
  } finally {
    await client.end();
  }
}

/** Every reply in the HTTP mailbox stream, with the time JetStream stored it (an ordered consumer reads it all). */
export async function readMailbox(natsUrl: string, namespace: string): Promise<MailboxEntry[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const out: MailboxEntry[] = [];
    await readWholeStream(nc, topology(namespace).streams.HTTP_MAILBOX.name, (m) => {
      const parsed = HttpReplyPosted.envelope.safeParse(m.json());
      if (parsed.success) {
        out.push({
          outboundId: parsed.data.data.outboundId,
          chatId: parsed.data.data.chat.chatId,
          seq: m.seq,
          at: Math.floor(m.info.timestampNanos / 1e6),
        });
      }
    });
    return out;
  } finally {
    await nc.close();
  }
}

export interface ChatStreamOptions {
  /** Reconnect when nothing (not even the gateway's 15 s heartbeat) arrived for this long (default 20 s). */
  readonly idleTimeoutMs?: number;
  readonly onReconnect?: (reason: string) => void;
}

/**
 * A chat's reply stream as a careful client reads it: `GET /v1/chats/:id/events`, and on any end or
 * error the same request again with `Last-Event-ID` = the last id seen (`0` before the first reply,
 * which replays the chat's mailbox from its start: the chats of a run are new, so nothing is missed).
 */
export class ChatStream {
  private lastEventId = '0';
  private closed = false;
  private live = true;
  private abort?: AbortController;
  private loop?: Promise<void>;

  constructor(
    private readonly gateway: string,
    readonly chatId: string,
    private onReply: (reply: ReplyRecord) => void,
    private readonly options: ChatStreamOptions = {},
  ) {}

  /** Resolves once the first connection's headers arrived (the gateway subscribed). Again after close(): resumes after the last id. */
  open(): Promise<void> {
    this.closed = false;
    return new Promise((resolve, reject) => {
      let first = true;
      this.loop = (async () => {
        while (!this.closed) {
          try {
            await this.connect(() => {
              if (!first) return;
              first = false;
              resolve();
            });
            if (!this.closed) this.options.onReconnect?.('stream ended');
          } catch (error) {
            if (this.closed) break;
            this.options.onReconnect?.(String(error));
          }
          if (!this.closed) await sleep(first ? 100 : 200);
        }
        if (first) reject(new Error(`chat ${this.chatId}: closed before the stream opened`));
      })();
    });
  }

  private async connect(onOpen: () => void): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const idleMs = this.options.idleTimeoutMs ?? 20_000;
    let idle = setTimeout(() => abort.abort(), 10_000);
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(), idleMs);
    };
    try {
      const url = `${this.gateway}/v1/chats/${encodeURIComponent(this.chatId)}/events`;
      const response = await fetch(url, {
        headers: { accept: 'text/event-stream', 'last-event-id': this.lastEventId },
        signal: abort.signal,
      });
      if (!response.ok || !response.body) throw new Error(`GET events answered ${response.status}`);
      touch();
      onOpen();
      const parser = createParser({
        onEvent: (event) => {
          if (event.event !== 'reply') return;
          const data = HttpReplyPosted.data.parse(JSON.parse(event.data));
          if (event.id) this.lastEventId = event.id;
          this.onReply({
            chatId: this.chatId,
            eventId: event.id,
            outboundId: data.outboundId,
            ...(data.replyTo !== undefined && { replyTo: data.replyTo }),
            seq: data.seq,
            text: data.text,
            kind: data.kind,
            receivedAt: Date.now(),
            live: this.live,
          });
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        touch();
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      }
    } finally {
      clearTimeout(idle);
    }
  }

  /** Opens, reads what the mailbox holds after the last id seen until `quietMs` pass without a reply, closes. */
  async catchUp(quietMs = 300): Promise<void> {
    let last = Date.now();
    const onReply = this.onReply;
    this.onReply = (reply) => {
      last = Date.now();
      onReply(reply);
    };
    this.live = false;
    try {
      await this.open();
      last = Date.now();
      while (Date.now() - last < quietMs) await sleep(50);
    } finally {
      await this.close();
      this.onReply = onReply;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort?.abort();
    await this.loop?.catch(() => undefined);
  }
}

export interface SendOptions {
  /** Retry with the same messageId until this long after the first attempt (default 20 s). */
  readonly budgetMs?: number;
  /** Per attempt (default 5 s): a POST that takes longer is abandoned and counts as not acknowledged. */
  readonly attemptTimeoutMs?: number;
}

/**
 * Posts a message as a careful client does: the messageId is the idempotency key, so every retry
 * reuses it. Accepted once any attempt gets 202; unknown when none did within the budget.
 */
export async function postMessage(
  gateway: string,
  chatId: string,
  messageId: string,
  text: string,
  options: SendOptions = {},
): Promise<{
  status: 'accepted' | 'unknown' | 'rejected';
  attempts: number;
  ackedAt?: number;
  httpStatus?: number;
  error?: string;
}> {
  const deadline = Date.now() + (options.budgetMs ?? 20_000);
  let attempts = 0;
  let error = '';
  let httpStatus: number | undefined;
  while (attempts === 0 || Date.now() < deadline) {
    attempts++;
    try {
      const res = await fetch(`${gateway}/v1/chats/${encodeURIComponent(chatId)}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, messageId }),
        signal: AbortSignal.timeout(options.attemptTimeoutMs ?? 5_000),
      });
      const body = await res.text();
      if (res.status === 202) return { status: 'accepted', attempts, ackedAt: Date.now(), httpStatus: 202 };
      error = `${res.status} ${body.slice(0, 200)}`;
      httpStatus = res.status;
      // A 4xx other than 408/429 will not get better by retrying: the gateway refused the message.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
        return { status: 'rejected', attempts, httpStatus, error };
    } catch (e) {
      error = String((e as Error).message ?? e);
    }
    await sleep(Math.min(250 * attempts, 1_000));
  }
  return { status: 'unknown', attempts, error, ...(httpStatus !== undefined && { httpStatus }) };
}
