import { HttpReplyPosted } from '@clawfleet/contracts';
import { createParser } from 'eventsource-parser';

/** One reply as the gateway streams it, plus the SSE id to resume after it. */
export type Reply = HttpReplyPosted['data'] & { readonly eventId: string | undefined };

export interface SendResult {
  readonly messageId: string;
  /** True when the gateway had this messageId already: no second turn. */
  readonly duplicate: boolean;
}

export interface ChatClient {
  readonly chatId: string;
  /** Every reply received, in order (a live array). */
  readonly replies: readonly Reply[];
  /** The id of the last reply event, for `openChat(url, chatId, { lastEventId })` after a reconnect. */
  readonly lastEventId: string | undefined;
  /** Posts a user message as the key's user; rejects unless the gateway answers 202. */
  send(text: string, messageId?: string): Promise<SendResult>;
  /** The reply after the one the previous call returned (replies already received count). */
  nextReply(timeoutMs?: number): Promise<Reply>;
  /** Resolves with all replies once there are at least `n`. */
  waitForReplies(n: number, timeoutMs?: number): Promise<Reply[]>;
  close(): Promise<void>;
}

export interface OpenChatOptions {
  /**
   * A `channel:client` key (sent as `Authorization: Bearer`): the chat is its user's own, every
   * message is sent as that user. In the e2e suite, `f.openChat(chatId, { user })` mints one.
   */
  readonly key: string;
  /** Resume after this event id (sent as `Last-Event-ID`). */
  readonly lastEventId?: string;
  /**
   * How long the client keeps trying to reconnect an ended or broken stream before waiting replies
   * fail (default 15 s): a gateway ends a stream whose subscription it must recreate (heartbeats
   * missed under load, NATS restarted) and expects the client to come back with `Last-Event-ID`.
   */
  readonly reconnectForMs?: number;
}

const RECONNECT_DELAY_MS = 100;

/**
 * Opens the HTTP channel of a chat: `POST /v1/chats/:chatId/messages` to talk, the SSE stream
 * `GET /v1/chats/:chatId/events` to listen, both with the key. Resolves once the stream's headers
 * arrived, which the gateway sends only after subscribing, so no reply to a message sent afterwards
 * can be missed. When the stream ends or breaks, the client opens it again with `Last-Event-ID` = the
 * last reply's id, as a browser's EventSource does; before the first reply with `0`, which replays the
 * chat's mailbox from its start (open a chat that has replies already with `lastEventId`).
 */
export async function openChat(gatewayUrl: string, chatId: string, options: OpenChatOptions): Promise<ChatClient> {
  const base = `${gatewayUrl.replace(/\/$/, '')}/v1/chats/${encodeURIComponent(chatId)}`;
  const authorization = `Bearer ${options.key}`;
  const replies: Reply[] = [];
  const seen = new Set<string>();
  const changed = new Set<() => void>();
  const notify = () => changed.forEach((listener) => listener());
  let lastEventId = options.lastEventId;
  let ended: Error | undefined;
  let cursor = 0;

  const abort = new AbortController();
  const connect = async (resumeAfter: string | undefined) => {
    const response = await fetch(`${base}/events`, {
      headers: {
        accept: 'text/event-stream',
        authorization,
        ...(resumeAfter !== undefined && { 'last-event-id': resumeAfter }),
      },
      signal: abort.signal,
    });
    if (!response.ok || !response.body) {
      const body = await response.text().catch(() => '');
      throw new Error(`GET ${base}/events answered ${response.status}: ${body}`);
    }
    return response.body;
  };
  let body: ReadableStream<Uint8Array>;
  try {
    body = await connect(lastEventId);
  } catch (error) {
    abort.abort();
    throw error;
  }

  const parser = createParser({
    onEvent(event) {
      // The gateway's last frame when the key was revoked or expired (then it ends the stream).
      if (event.event === 'unauthorized')
        return void (ended ??= new Error(`the gateway ended the stream of chat ${chatId}: ${event.data}`));
      if (event.event !== 'reply') return;
      const data = HttpReplyPosted.data.safeParse(JSON.parse(event.data));
      // A reply that breaks the contract must fail the spec, not be skipped.
      if (!data.success) return void (ended ??= new Error(`invalid reply event ${event.data}: ${data.error.message}`));
      lastEventId = event.id ?? lastEventId;
      // A resumed stream starts right after the last id seen; an id seen twice would be the gateway's fault.
      if (event.id !== undefined && seen.has(event.id)) return;
      if (event.id !== undefined) seen.add(event.id);
      replies.push({ ...data.data, eventId: event.id });
    },
  });
  const reading = (async () => {
    const reconnectForMs = options.reconnectForMs ?? 15_000;
    let failingSince: number | undefined;
    let why = '';
    for (;;) {
      try {
        const decoder = new TextDecoder();
        for await (const chunk of body) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          notify();
        }
        why = 'ended';
      } catch (error) {
        if (abort.signal.aborted) break;
        why = `failed: ${String(error)}`;
      }
      parser.reset();
      // The gateway ended it for a reason a reconnect would not change (the key revoked, a bad reply).
      if (ended) break;
      // Reconnect after the last reply seen, until the gateway stays unreachable for `reconnectForMs`.
      for (;;) {
        failingSince ??= Date.now();
        if (abort.signal.aborted) break;
        if (Date.now() - failingSince > reconnectForMs) {
          ended ??= new Error(
            `the event stream of chat ${chatId} ${why}, and reconnecting failed for ${reconnectForMs} ms`,
          );
          notify();
          return;
        }
        // Unref'd: a chat a spec forgot to close does not keep its process alive while it reconnects.
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS).unref());
        if (abort.signal.aborted) break;
        try {
          body = await connect(lastEventId ?? '0');
          failingSince = undefined;
          break;
        } catch (error) {
          if (!abort.signal.aborted) why = `${why}; reconnecting: ${String(error)}`.slice(-500);
        }
      }
      if (abort.signal.aborted) break;
    }
    ended ??= new Error('chat closed');
    notify();
  })();

  /** Resolves with `check()` once it is defined; rejects when the stream ends first or on timeout. */
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const listener = () => {
        const value = check();
        if (value === undefined && !ended) return;
        cleanup();
        if (value !== undefined) resolve(value);
        else
          reject(
            new Error(`${what}: ${ended?.message}; replies so far: ${JSON.stringify(replies.map((r) => r.text))}`),
          );
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${what}: none after ${timeoutMs} ms; replies so far: ${JSON.stringify(replies.map((r) => r.text))}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        changed.delete(listener);
      };
      changed.add(listener);
      listener();
    });

  return {
    chatId,
    replies,
    get lastEventId() {
      return lastEventId;
    },
    async send(text, messageId) {
      const res = await fetch(`${base}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ text, ...(messageId ? { messageId } : {}) }),
      });
      const body = await res.text();
      if (res.status !== 202) throw new Error(`POST ${base}/messages answered ${res.status}: ${body}`);
      return JSON.parse(body) as SendResult;
    },
    async nextReply(timeoutMs = 30_000) {
      const reply = await waitFor(
        () => replies[cursor],
        timeoutMs,
        `waiting for reply #${cursor + 1} in chat ${chatId}`,
      );
      cursor += 1;
      return reply;
    },
    waitForReplies: (n, timeoutMs = 30_000) =>
      waitFor(
        () => (replies.length >= n ? [...replies] : undefined),
        timeoutMs,
        `waiting for ${n} replies in chat ${chatId}`,
      ),
    async close() {
      abort.abort();
      await reading;
    },
  };
}
