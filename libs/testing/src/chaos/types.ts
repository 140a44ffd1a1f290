/** What a chaos run records: plain data, so the checker is a pure function of it (and of a JSON file). */

/** One user message the load generator sent. */
export interface SentRecord {
  readonly chatId: string;
  /** 0, 1, 2… in the chat's send order. */
  readonly index: number;
  /** The client's idempotency key, chosen before the first attempt and reused by every retry. */
  readonly messageId: string;
  readonly text: string;
  /** The model is scripted to call a tool (get_time) before answering this one. */
  readonly tool: boolean;
  /** The exact text of the one reply it should get (the chaos model echoes); unset: the text is not checked. */
  readonly expect?: string;
  /**
   * A poison input mixed into the load (see `POISON_KINDS` in load.ts): the edge must refuse it with
   * a 400 (status `rejected`), and the chat's next messages must still be answered.
   */
  readonly poison?: string;
  /** The router partition of the chat (`partitionOf(chatKey)`), for recovery by partition. */
  readonly partition?: number;
  /** Epoch ms of the first POST attempt. */
  readonly sentAt: number;
  /** Epoch ms of the 202 (accepted only). */
  readonly ackedAt?: number;
  /**
   * accepted: some attempt got 202 with this messageId. unknown: every attempt failed or timed out,
   * so the client cannot know whether the gateway stored it (0 or 1 replies are both correct).
   * rejected: the gateway answered a 4xx that retrying will not change (a 400 problem, a 413).
   */
  readonly status: 'accepted' | 'unknown' | 'rejected';
  /** The last HTTP status answered, when there was one. */
  readonly httpStatus?: number;
  readonly attempts: number;
  readonly error?: string;
}

/** One `reply` event seen on a chat's SSE stream. Every event is kept: nothing is deduplicated. */
export interface ReplyRecord {
  readonly chatId: string;
  /** The SSE id (the mailbox stream sequence). */
  readonly eventId?: string;
  readonly outboundId: string;
  /** The messageId this answers. */
  readonly replyTo?: string;
  /** The session's outbound sequence: 1, 2, 3… */
  readonly seq: number;
  readonly text: string;
  readonly kind: string;
  readonly receivedAt: number;
  /**
   * False when it was read by the final catch-up (a new subscription resuming after the last id seen)
   * rather than pushed on the chat's open stream: a user keeping the chat open never saw it.
   */
  readonly live?: boolean;
}

export interface FaultRecord {
  readonly id: number;
  /** e.g. `kill9:router`, `nats:restart`, `pg:restart-immediate`, `runner:mid-tool`. */
  readonly kind: string;
  /** The instance or server hit, e.g. `session-runner#1`. */
  readonly target?: string;
  /** Epoch ms when the fault struck (the signal, the restart command). */
  readonly at: number;
  /** Epoch ms when the component was back (restarted and ready). */
  readonly healedAt?: number;
  readonly note?: string;
  /** overlap: the faults struck together (each with its own target and times). */
  readonly parts?: readonly FaultRecord[];
  /** runner:mid-tool: the text of the message whose tool call was cut off. */
  readonly victim?: string;
  /** The fault could not be injected (the error), or a trap never sprang: then `skipped` says why and it is not counted. */
  readonly error?: string;
  readonly skipped?: string;
}

/** Session facts read from PostgreSQL at the end, to tell where a lost message stopped. */
export interface StoreSnapshot {
  /** `UserMessageAdded`, `TurnCompleted`, `TurnFailed`, `ToolCallStarted`, `ToolCallCompleted` events, in commit order. */
  readonly events: ReadonlyArray<{
    readonly streamId: string;
    readonly type: string;
    readonly turnId?: string;
    readonly messageId?: string;
    readonly outboundId?: string;
    readonly toolCallId?: string;
    /** ToolCallStarted: the tool's name. */
    readonly name?: string;
    /** ToolCallCompleted: its outcome's status (ok, error, interrupted, timeout). */
    readonly status?: string;
    /** Epoch ms of the commit (recorded_at). */
    readonly at?: number;
  }>;
  /** `delivery.deliveries`. */
  readonly deliveries: ReadonlyArray<{
    readonly outboundId: string;
    readonly sessionId: string;
    readonly seq: number;
    readonly chatId: string;
    readonly status: string;
    /** Epoch ms (delivered_at). */
    readonly at?: number;
  }>;
  /** Rows left in `eventstore.outbox` (not yet relayed). */
  readonly outboxPending: number;
}

/** What the HTTP mailbox stream holds at the end: where the gateway reads replies from. */
export interface MailboxEntry {
  readonly outboundId: string;
  readonly chatId: string;
  readonly seq: number;
  /** Epoch ms when JetStream stored it. */
  readonly at: number;
}

export interface ChaosRecords {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly sends: readonly SentRecord[];
  readonly replies: readonly ReplyRecord[];
  readonly faults: readonly FaultRecord[];
  readonly store?: StoreSnapshot;
  readonly mailbox?: readonly MailboxEntry[];
  /** What the sandbox calls left in the session workspaces at the end (see `readSandboxEffects`). */
  readonly sandbox?: SandboxEffects;
  /** Apps that exited on their own (not by a fault or the final stop): each one fails the run. */
  readonly unexpectedExits?: ReadonlyArray<{
    readonly instance: string;
    readonly at: number;
    readonly code: number | null;
    readonly signal: string | null;
  }>;
}

/** The lines the chaos model's `bash` calls appended to CHAOS_TOOL_FILE, over every session workspace. */
export interface SandboxEffects {
  /** Label (a message's text without the marker) → how many times it is in the files. */
  readonly lines: Readonly<Record<string, number>>;
  /** Workspaces that had the file. */
  readonly files: number;
}
