import type { ChatRef, CommandOutcome, SessionEvent, ToolCall, Usage } from '@clawfleet/contracts';
import type { RecordedEvent } from '@clawfleet/event-store';
import { outcomeOfLegacyCommand } from './legacy-events';

/** What the model sees of the conversation, in order. */
export type HistoryItem =
  | { readonly role: 'user'; readonly turnId: string; readonly text: string }
  | { readonly role: 'assistant'; readonly text: string; readonly toolCalls: readonly ToolCall[] }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly name: string; readonly content: string };

export interface QueuedMessage {
  readonly turnId: string;
  readonly messageId: string;
  readonly correlationId: string;
  readonly text: string;
}

export interface TurnProgress {
  readonly turnId: string;
  readonly messageId: string;
  readonly correlationId: string;
  /** Model calls recorded in this turn. */
  readonly round: number;
  /** The tool calls of the latest model response, and which of them started and completed. */
  readonly toolCalls: readonly ToolCall[];
  readonly started: readonly string[];
  readonly completed: readonly string[];
  /** Tool calls completed in this turn, every round included. */
  readonly toolCallsDone: number;
  /** Set when the latest model response had no tool calls: the turn's answer. */
  readonly finalText?: string;
  readonly usage: Usage;
}

/**
 * A short answer of the platform to a command, waiting to be sent; `status` and `usage` are composed
 * from the state (and the agent's usage today) when sent, and `NoticeSent` records the text.
 */
export type Notice = { readonly turnId: string; readonly messageId: string; readonly correlationId: string } & (
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'status' }
  | { readonly kind: 'usage' }
);

/** Tokens and model calls of one model in a session. */
export interface ModelUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly calls: number;
}

interface Base {
  readonly sessionId: string;
  readonly agentId: string;
  /**
   * The agent configuration version the session runs with (`AgentConfigured`); null (or absent in a
   * snapshot from before versions): the runner's environment configuration.
   */
  readonly agentVersion?: number | null;
  readonly chat: ChatRef;
  /** The seq of the last user message recorded: the next one must be lastSeq + 1. */
  readonly lastSeq: number;
  /** The seq of the last reply sent out. */
  readonly outboundSeq: number;
  readonly history: readonly HistoryItem[];
  readonly queue: readonly QueuedMessage[];
  readonly usage: Usage;
  /** `usage` by the model that used it (responses and summaries), for /usage and its cost. */
  readonly modelUsage: Readonly<Record<string, ModelUsage>>;
  /** The model the user chose with /model; null: the agent's default. */
  readonly model: string | null;
  readonly notices: readonly Notice[];
  /** /stop arrived while a turn ran: it ends at the next safe point. */
  readonly cancelRequested: boolean;
  /** Turns ended so far (completed, failed or cancelled). */
  readonly turns: number;
}

export type SessionState =
  | { readonly status: 'empty' }
  | (Base & { readonly status: 'idle' })
  | (Base & { readonly status: 'running'; readonly turn: TurnProgress })
  | (Base & { readonly status: 'suspended'; readonly turn: TurnProgress; readonly waitingFor: string });

export const initialState: SessionState = { status: 'empty' };

export const SUMMARY_PREFIX = 'Summary of the earlier conversation:\n';

// History arrays and their items are never changed, only replaced: their counts are kept, so planning a
// step (several times a turn) does not re-measure a long conversation.
const historyCounts = new WeakMap<readonly HistoryItem[], number>();
// A history only grows at its end (a compaction starts a new one with its summary): by its first item,
// the longest history measured so far, so the next one measures only what was appended since.
const measuredFrom = new WeakMap<
  HistoryItem,
  { readonly length: number; readonly last: HistoryItem; readonly chars: number }
>();

const charsOf = (item: HistoryItem) =>
  item.role === 'assistant'
    ? item.text.length + JSON.stringify(item.toolCalls).length
    : item.role === 'user'
      ? item.text.length
      : item.content.length;

/** A rough token count of the prompt history (4 characters a token): enough to decide on compaction. */
export function historyTokens(history: readonly HistoryItem[]): number {
  const counted = historyCounts.get(history);
  if (counted !== undefined) return counted;
  const first = history[0];
  const known = first && measuredFrom.get(first);
  const prefix = known && known.length <= history.length && history[known.length - 1] === known.last ? known : undefined;
  let chars = prefix?.chars ?? 0;
  for (let i = prefix?.length ?? 0; i < history.length; i++) chars += charsOf(history[i]!);
  if (first && (!known || history.length >= known.length))
    measuredFrom.set(first, { length: history.length, last: history[history.length - 1]!, chars });
  const tokens = Math.ceil(chars / 4);
  historyCounts.set(history, tokens);
  return tokens;
}

const ZERO: Usage = { inputTokens: 0, outputTokens: 0 };
const add = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
});
const addModel = (byModel: Readonly<Record<string, ModelUsage>>, model: string, usage: Usage) => {
  const before = byModel[model] ?? { inputTokens: 0, outputTokens: 0, calls: 0 };
  return { ...byModel, [model]: { ...add(before, usage), calls: before.calls + 1 } };
};

/** Applies a command's decided outcome: drop the queue, cancel the turn, queue a message, answer. */
function applyCommand(
  state: Exclude<SessionState, { status: 'empty' }>,
  data: { turnId: string; seq: number; messageId: string; correlationId: string },
  outcome: CommandOutcome,
): SessionState {
  const { turnId, seq, messageId, correlationId } = data;
  const queue = outcome.dropQueue ? [] : state.queue;
  return {
    ...state,
    lastSeq: seq,
    queue: outcome.queue !== undefined ? [...queue, { turnId, messageId, text: outcome.queue, correlationId }] : queue,
    cancelRequested: state.cancelRequested || (outcome.cancelTurn === true && state.status !== 'idle'),
    notices: outcome.answer ? [...state.notices, { turnId, messageId, correlationId, ...outcome.answer }] : state.notices,
  };
}

function invalid(state: SessionState, event: SessionEvent): never {
  throw new Error(`${event.type} cannot follow a session in status ${state.status}`);
}

/** The session's state after one more event. Pure; a `never` check keeps it complete. */
export function evolve(state: SessionState, recorded: RecordedEvent<SessionEvent> | SessionEvent): SessionState {
  const event = { type: recorded.type, data: recorded.data } as SessionEvent;
  if (event.type === 'SessionStarted') {
    if (state.status !== 'empty') return invalid(state, event);
    const { sessionId, agentId, chat } = event.data;
    return {
      status: 'idle',
      sessionId,
      agentId,
      agentVersion: null,
      chat,
      lastSeq: 0,
      outboundSeq: 0,
      history: [],
      queue: [],
      usage: ZERO,
      modelUsage: {},
      model: null,
      notices: [],
      cancelRequested: false,
      turns: 0,
    };
  }
  if (state.status === 'empty') return invalid(state, event);
  switch (event.type) {
    case 'UserMessageAdded': {
      const { turnId, messageId, text, seq, correlationId } = event.data;
      return { ...state, lastSeq: seq, queue: [...state.queue, { turnId, messageId, text, correlationId }] };
    }
    case 'CommandReceived':
      // What the command does was decided when it was recorded; streams from before that are upcast.
      return applyCommand(state, event.data, event.data.outcome ?? outcomeOfLegacyCommand(event.data.command, state));
    case 'ContextCompacted': {
      if (state.status !== 'running') return invalid(state, event);
      const { replacedItems, summary, usage } = event.data;
      return {
        ...state,
        usage: add(state.usage, usage),
        modelUsage: addModel(state.modelUsage, event.data.model, usage),
        history: [
          { role: 'user', turnId: 'summary', text: `${SUMMARY_PREFIX}${summary}` },
          ...state.history.slice(replacedItems),
        ],
      };
    }
    case 'ModelChanged':
      return { ...state, model: event.data.model };
    case 'MessagesSkipped': {
      const { toSeq, turnId, messageId, correlationId, text } = event.data;
      return { ...state, lastSeq: toSeq, notices: [...state.notices, { turnId, messageId, correlationId, kind: 'text', text }] };
    }
    case 'MessageRefused': {
      const { seq, turnId, messageId, correlationId, text } = event.data;
      const notice = { turnId, messageId, correlationId, kind: 'text' as const, text };
      return { ...state, lastSeq: seq, turns: state.turns + 1, notices: [...state.notices, notice] };
    }
    case 'AgentConfigured':
      return { ...state, agentVersion: event.data.version };
    case 'NoticeSent':
      return { ...state, notices: state.notices.slice(1), outboundSeq: event.data.outboundSeq };
    case 'TurnCancelled': {
      if (state.status === 'idle') return invalid(state, event);
      const { turn: _turn, waitingFor: _w, ...rest } = state as Extract<SessionState, { status: 'suspended' }>;
      // Calls the model asked for that never ran get a result, so the history stays a valid conversation.
      const unanswered = state.turn.toolCalls.filter((c) => !state.turn.completed.includes(c.id));
      return {
        ...rest,
        status: 'idle',
        cancelRequested: false,
        turns: state.turns + 1,
        outboundSeq: event.data.outboundSeq ?? state.outboundSeq,
        history: [
          ...state.history,
          ...unanswered.map((c) => ({
            role: 'tool' as const,
            toolCallId: c.id,
            name: c.name,
            content: 'Cancelled by the user.',
          })),
        ],
      };
    }
    case 'TurnStarted': {
      const message = state.queue.find((m) => m.turnId === event.data.turnId);
      const ids = [event.data.turnId, ...(event.data.collected ?? [])];
      const taken = state.queue.filter((m) => ids.includes(m.turnId));
      if (state.status !== 'idle' || !message || taken.length !== ids.length) return invalid(state, event);
      return {
        ...state,
        status: 'running',
        queue: state.queue.filter((m) => !ids.includes(m.turnId)),
        history: [...state.history, ...taken.map((m) => ({ role: 'user' as const, turnId: m.turnId, text: m.text }))],
        turn: {
          turnId: message.turnId,
          messageId: message.messageId,
          correlationId: message.correlationId,
          round: 0,
          toolCallsDone: 0,
          toolCalls: [],
          started: [],
          completed: [],
          usage: ZERO,
        },
      };
    }
    case 'MessagesSteered': {
      const taken = state.queue.filter((m) => event.data.turnIds.includes(m.turnId));
      if (state.status !== 'running' || taken.length !== event.data.turnIds.length) return invalid(state, event);
      return {
        ...state,
        queue: state.queue.filter((m) => !event.data.turnIds.includes(m.turnId)),
        history: [...state.history, ...taken.map((m) => ({ role: 'user' as const, turnId: m.turnId, text: m.text }))],
      };
    }
    case 'ModelResponded': {
      if (state.status !== 'running') return invalid(state, event);
      const { text, toolCalls, usage, model } = event.data;
      return {
        ...state,
        history: [...state.history, { role: 'assistant', text, toolCalls }],
        usage: add(state.usage, usage),
        modelUsage: addModel(state.modelUsage, model, usage),
        turn: {
          ...state.turn,
          round: state.turn.round + 1,
          toolCalls,
          started: [],
          completed: [],
          finalText: toolCalls.length === 0 ? text : undefined,
          usage: add(state.turn.usage, usage),
        },
      };
    }
    case 'ToolCallStarted':
      if (state.status !== 'running') return invalid(state, event);
      return { ...state, turn: { ...state.turn, started: [...state.turn.started, event.data.toolCallId] } };
    case 'ToolCallCompleted': {
      if (state.status === 'idle') return invalid(state, event);
      const call = state.turn.toolCalls.find((c) => c.id === event.data.toolCallId);
      const {
        status: _status,
        waitingFor: _waiting,
        ...rest
      } = state as Extract<SessionState, { status: 'suspended' }>;
      return {
        ...rest,
        status: 'running',
        queue: event.data.answeredBy ? state.queue.filter((m) => m.turnId !== event.data.answeredBy) : state.queue,
        history: [
          ...state.history,
          {
            role: 'tool',
            toolCallId: event.data.toolCallId,
            name: call?.name ?? 'unknown',
            content: event.data.outcome.content,
          },
        ],
        turn: {
          ...state.turn,
          completed: [...state.turn.completed, event.data.toolCallId],
          toolCallsDone: state.turn.toolCallsDone + 1,
        },
        // A file the call sent went out as a reply of the session's own.
        outboundSeq: event.data.sent?.outboundSeq ?? state.outboundSeq,
      };
    }
    case 'TurnSuspended':
      if (state.status !== 'running') return invalid(state, event);
      return {
        ...state,
        status: 'suspended',
        waitingFor: event.data.toolCallId,
        outboundSeq: event.data.question?.outboundSeq ?? state.outboundSeq,
      };
    case 'TurnCompleted':
    case 'TurnFailed': {
      if (state.status === 'idle') return invalid(state, event);
      const { turn: _turn, waitingFor: _w, ...rest } = state as Extract<SessionState, { status: 'suspended' }>;
      return {
        ...rest,
        status: 'idle',
        cancelRequested: false,
        turns: state.turns + 1,
        outboundSeq: event.data.outboundSeq,
      };
    }
    default:
      return event satisfies never;
  }
}
