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
}

/**
 * Opens the HTTP channel of a chat: `POST /v1/chats/:chatId/messages` to talk, the SSE stream
 * `GET /v1/chats/:chatId/events` to listen, both with the key. Resolves once the stream's headers
 * arrived, which the gateway sends only after subscribing, so no reply to a message sent afterwards
 * can be missed.
 */
export async function openChat(gatewayUrl: string, chatId: string, options: OpenChatOptions): Promise<ChatClient> {
  const base = `${gatewayUrl.replace(/\/$/, '')}/v1/chats/${encodeURIComponent(chatId)}`;
  const authorization = `Bearer ${options.key}`;
  const replies: Reply[] = [];
  const changed = new Set<() => void>();
  const notify = () => changed.forEach((listener) => listener());
  let lastEventId = options.lastEventId;
  let ended: Error | undefined;
  let cursor = 0;

  const abort = new AbortController();
  const response = await fetch(`${base}/events`, {
    headers: { accept: 'text/event-stream', authorization, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  if (!response.ok || !response.body) {
    abort.abort();
    throw new Error(`GET ${base}/events answered ${response.status}: ${await response.text().catch(() => '')}`);
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
      replies.push({ ...data.data, eventId: event.id });
    },
  });
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body!) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        notify();
      }
      ended ??= new Error(`the event stream of chat ${chatId} ended`);
    } catch (error) {
      ended ??= abort.signal.aborted
        ? new Error('chat closed')
        : new Error(`the event stream of chat ${chatId} failed: ${String(error)}`);
    }
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
