import type { ChatRef, SessionEvent, ToolCall, Usage } from '@clawfleet/contracts';
import type { RecordedEvent } from '@clawfleet/event-store';

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
  /** Set when the latest model response had no tool calls: the turn's answer. */
  readonly finalText?: string;
  readonly usage: Usage;
}

interface Base {
  readonly sessionId: string;
  readonly agentId: string;
  readonly chat: ChatRef;
  /** The seq of the last user message recorded: the next one must be lastSeq + 1. */
  readonly lastSeq: number;
  /** The seq of the last reply sent out. */
  readonly outboundSeq: number;
  readonly history: readonly HistoryItem[];
  readonly queue: readonly QueuedMessage[];
  readonly usage: Usage;
}

export type SessionState =
  | { readonly status: 'empty' }
  | (Base & { readonly status: 'idle' })
  | (Base & { readonly status: 'running'; readonly turn: TurnProgress })
  | (Base & { readonly status: 'suspended'; readonly turn: TurnProgress; readonly waitingFor: string });

export const initialState: SessionState = { status: 'empty' };

const ZERO: Usage = { inputTokens: 0, outputTokens: 0 };
const add = (a: Usage, b: Usage): Usage => ({ inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens });

function invalid(state: SessionState, event: SessionEvent): never {
  throw new Error(`${event.type} cannot follow a session in status ${state.status}`);
}

/** The session's state after one more event. Pure; a `never` check keeps it complete. */
export function evolve(state: SessionState, recorded: RecordedEvent<SessionEvent> | SessionEvent): SessionState {
  const event = { type: recorded.type, data: recorded.data } as SessionEvent;
  if (event.type === 'SessionStarted') {
    if (state.status !== 'empty') return invalid(state, event);
    const { sessionId, agentId, chat } = event.data;
    return { status: 'idle', sessionId, agentId, chat, lastSeq: 0, outboundSeq: 0, history: [], queue: [], usage: ZERO };
  }
  if (state.status === 'empty') return invalid(state, event);
  switch (event.type) {
    case 'UserMessageAdded': {
      const { turnId, messageId, text, seq, correlationId } = event.data;
      return { ...state, lastSeq: seq, queue: [...state.queue, { turnId, messageId, text, correlationId }] };
    }
    case 'TurnStarted': {
      const message = state.queue.find((m) => m.turnId === event.data.turnId);
      if (state.status !== 'idle' || !message) return invalid(state, event);
      return {
        ...state,
        status: 'running',
        queue: state.queue.filter((m) => m !== message),
        history: [...state.history, { role: 'user', turnId: message.turnId, text: message.text }],
        turn: {
          turnId: message.turnId,
          messageId: message.messageId,
          correlationId: message.correlationId,
          round: 0, toolCalls: [], started: [], completed: [], usage: ZERO },
      };
    }
    case 'ModelResponded': {
      if (state.status !== 'running') return invalid(state, event);
      const { text, toolCalls, usage } = event.data;
      return {
        ...state,
        history: [...state.history, { role: 'assistant', text, toolCalls }],
        usage: add(state.usage, usage),
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
      const { status: _status, waitingFor: _waiting, ...rest } = state as Extract<SessionState, { status: 'suspended' }>;
      return {
        ...rest,
        status: 'running',
        queue: event.data.answeredBy ? state.queue.filter((m) => m.turnId !== event.data.answeredBy) : state.queue,
        history: [...state.history, { role: 'tool', toolCallId: event.data.toolCallId, name: call?.name ?? 'unknown', content: event.data.outcome.content }],
        turn: { ...state.turn, completed: [...state.turn.completed, event.data.toolCallId] },
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
      return { ...rest, status: 'idle', outboundSeq: event.data.outboundSeq };
    }
    default:
      return event satisfies never;
  }
}
