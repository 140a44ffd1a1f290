import { TooManyRequestsError } from '@clawfleet/platform';
import { StreamScope } from './stream-scope';

export interface StreamLimits {
  /** Open reply streams of one chat (every client together). */
  readonly perChat: number;
  /** Open reply streams of one client (a key's user, in its tenant), over all its chats. */
  readonly perClient: number;
  /** Open reply streams of this gateway process: each one is a JetStream consumer. */
  readonly total: number;
}

/** How long a refused client is asked to wait: long enough for a stream of its own to end. */
export const RETRY_AFTER_SECONDS = 5;

export interface StreamStats {
  /** Streams holding a slot. */
  readonly streams: number;
  /** Resources (slots, consumers, subscriptions, timers) taken and not yet released. */
  readonly resources: number;
}

/**
 * The open reply streams of this process, counted per chat and per client. Over a limit a new
 * stream is refused (429 with retry-after); the streams already open are never closed for it.
 */
export class ReplyStreams {
  private readonly byChat = new Map<string, number>();
  private readonly byClient = new Map<string, number>();
  private count = 0;
  private readonly counter = { held: 0 };

  constructor(readonly limits: StreamLimits) {}

  /** A new stream's scope, already holding its slot; throws TooManyRequestsError at a limit. */
  open(chat: string, client: string): StreamScope {
    const refusal = this.refusal(chat, client);
    if (refusal) throw new TooManyRequestsError(`${refusal}; try again later`, RETRY_AFTER_SECONDS);
    this.count++;
    bump(this.byChat, chat, 1);
    bump(this.byClient, client, 1);
    const scope = new StreamScope(this.counter);
    scope.own(undefined, () => {
      this.count--;
      bump(this.byChat, chat, -1);
      bump(this.byClient, client, -1);
    });
    return scope;
  }

  stats(): StreamStats {
    return { streams: this.count, resources: this.counter.held };
  }

  private refusal(chat: string, client: string): string | undefined {
    const { perChat, perClient, total } = this.limits;
    if ((this.byChat.get(chat) ?? 0) >= perChat) return `this chat has ${perChat} open reply streams already`;
    if ((this.byClient.get(client) ?? 0) >= perClient) return `this user has ${perClient} open reply streams already`;
    if (this.count >= total) return `the gateway has ${total} open reply streams already`;
    return undefined;
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
