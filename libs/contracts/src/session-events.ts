import type { ChatCommand, ChatRef, Sender, Usage } from './events';

/**
 * The events of a session's own stream (`session-<id>` in the PostgreSQL event store). They are the
 * record a session is rebuilt from after any crash; admin-api reads them as the session's timeline.
 */

/** An MCP server an agent version names (see libs/provisioning `McpServer`); never a credential. */
export interface AgentMcpServer {
  readonly name: string;
  readonly transport: 'streamable-http' | 'sse';
  readonly url: string;
  readonly toolsAllowed: readonly string[] | null;
}

/** A skill an agent version names (see libs/provisioning `Skill`). */
export interface AgentSkill {
  readonly name: string;
  readonly description: string;
  readonly instructions: string;
}

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** The arguments exactly as the model produced them (JSON text, possibly invalid). */
  readonly arguments: string;
}

export type ToolOutcome =
  | { readonly status: 'ok'; readonly content: string }
  | { readonly status: 'error'; readonly content: string }
  /** The process running the tool died mid-call; whether it had an effect is unknown. */
  | { readonly status: 'interrupted'; readonly content: string }
  | { readonly status: 'timeout'; readonly content: string };

/**
 * What a chat command does to its session, decided when it is recorded (so folding only applies it):
 * the answer to send (a text, or `status`/`usage`, composed from the state when sent), the messages
 * waiting to be dropped (`/stop`), the running turn to be cancelled, a message to queue (`/continue`).
 */
export interface CommandOutcome {
  readonly answer?: { readonly kind: 'text'; readonly text: string } | { readonly kind: 'status' } | { readonly kind: 'usage' };
  readonly dropQueue?: boolean;
  readonly cancelTurn?: boolean;
  readonly queue?: string;
}

/** A file a tool call sent to the user, as the session records it (without its bytes). */
export interface SentFile {
  readonly outboundId: string;
  readonly outboundSeq: number;
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
}

export type SessionEvent =
  | { type: 'SessionStarted'; data: { sessionId: string; agentId: string; chat: ChatRef } }
  /**
   * The agent configuration version the session's next turns run with (immutable once provisioned),
   * recorded before the message that first saw it: a replay uses the same instructions and models.
   */
  | {
      type: 'AgentConfigured';
      /**
       * `mcpServers` and `skills`: those of the version (absent in events from before they were
       * fields, and when the version had none); no tool uses them yet.
       */
      data: { agentId: string; version: number; mcpServers?: readonly AgentMcpServer[]; skills?: readonly AgentSkill[] };
    }
  | {
      type: 'UserMessageAdded';
      data: {
        turnId: string;
        seq: number;
        messageId: string;
        text: string;
        sender: Sender;
        source: 'user' | 'schedule' | 'api';
        /** Correlation id of the request, carried to the reply and the turn's facts. */
        correlationId: string;
      };
    }
  /**
   * A chat command, in the session's message order (it takes a seq like a message). `outcome` is what
   * the decider made of it; events recorded before it was kept have none, and are upcast on replay.
   */
  | {
      type: 'CommandReceived';
      data: {
        turnId: string;
        seq: number;
        messageId: string;
        command: ChatCommand;
        correlationId: string;
        outcome?: CommandOutcome;
      };
    }
  | { type: 'ModelChanged'; data: { model: string | null } }
  /**
   * Messages `fromSeq`..`toSeq` never arrived (dead-lettered, lost upstream) while message `toSeq + 1`
   * waited for them past the runner's gap timeout: the session goes on without them, and `text`
   * tells the user, answering the message that waited (`turnId`, `messageId`).
   */
  | {
      type: 'MessagesSkipped';
      data: { fromSeq: number; toSeq: number; turnId: string; messageId: string; correlationId: string; text: string };
    }
  /**
   * Message `seq` could not be recorded: the store refused its content for good (a character the
   * database cannot keep). It takes its place in the order without its content, the user is sent
   * `text`, and the turn it asked for counts as failed (`code`, `reason`; `turn.failed` on the bus).
   */
  | {
      type: 'MessageRefused';
      data: {
        turnId: string;
        seq: number;
        messageId: string;
        correlationId: string;
        code: string;
        reason: string;
        text: string;
      };
    }
  /** The first `replacedItems` of the prompt history were summarized; the events themselves stay. */
  | {
      type: 'ContextCompacted';
      /** `sanitized`: characters of the model's summary that could not be stored and were replaced (U+FFFD). */
      data: { turnId: string; replacedItems: number; summary: string; model: string; usage: Usage; sanitized?: number };
    }
  /** A short answer of the platform itself (to a command), sent as reply `outboundSeq`. */
  | { type: 'NoticeSent'; data: { turnId: string; outboundId: string; outboundSeq: number; text: string } }
  /** `/stop` (with the notice sent as reply `outboundSeq`), or a new message in `interrupt` queue mode (no notice). */
  | { type: 'TurnCancelled'; data: { turnId: string; outboundId?: string; outboundSeq?: number; reason?: 'stopped' | 'interrupted' } }
  /** `collected`: in `collect` queue mode, the other waiting messages this turn answers too. */
  | { type: 'TurnStarted'; data: { turnId: string; collected?: string[] } }
  /** In `steer` queue mode: messages that arrived during the turn, given to the model before its next call. */
  | { type: 'MessagesSteered'; data: { turnId: string; turnIds: string[] } }
  | {
      type: 'ModelResponded';
      data: {
        turnId: string;
        round: number;
        model: string;
        text: string;
        toolCalls: readonly ToolCall[];
        usage: Usage;
        finishReason: string;
        latencyMs: number;
        /** Characters of the response that could not be stored (NUL, lone surrogates), replaced with U+FFFD. */
        sanitized?: number;
      };
    }
  | { type: 'ToolCallStarted'; data: { turnId: string; toolCallId: string; name: string } }
  | {
      type: 'ToolCallCompleted';
      /**
       * `answeredBy`: the user message (its turn id) that answered a question; it starts no turn of its own.
       * `sent`: the call sent the user a file (`send_file`), as reply `outboundSeq` in the same commit;
       * the file's bytes went with that reply only, never into the session's events.
       */
      data: { turnId: string; toolCallId: string; outcome: ToolOutcome; answeredBy?: string; sent?: SentFile };
    }
  | {
      type: 'TurnSuspended';
      /** When the tool asked the user something, the question went out as reply `outboundSeq`. */
      data: { turnId: string; toolCallId: string; reason: string; question?: { outboundId: string; outboundSeq: number; text: string } };
    }
  | { type: 'TurnCompleted'; data: { turnId: string; outboundId: string; outboundSeq: number; text: string; usage: Usage } }
  | {
      type: 'TurnFailed';
      /**
       * `reason`: the full detail (a provider's error text included), for operators; `text`: the short
       * text the user was sent (absent in streams recorded before it was kept).
       */
      data: {
        turnId: string;
        outboundId: string;
        outboundSeq: number;
        code: string;
        reason: string;
        retryable: boolean;
        text?: string;
      };
    };

export type SessionEventType = SessionEvent['type'];
