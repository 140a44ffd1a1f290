import { makeEnvelope } from '@clawfleet/bus';
import { MAX_REPLY_CHARS, OutboundReady, TurnCompleted, TurnFailed, type SessionEvent, type Topology } from '@clawfleet/contracts';
import { outboxMessage, type OutboxMessage } from '@clawfleet/event-store';
import { deriveId } from '@clawfleet/platform';
import type { RunningState } from './turn.effects';

const CUT_NOTE = '\n\n[The reply was cut: it was longer than the platform sends in one message.]';

/** A model may answer at any length; one outbound message carries at most MAX_REPLY_CHARS. */
function fitReply(text: string): string {
  return text.length <= MAX_REPLY_CHARS ? text : text.slice(0, MAX_REPLY_CHARS - CUT_NOTE.length) + CUT_NOTE;
}

interface Outcome {
  readonly events: SessionEvent[];
  readonly outbox: OutboxMessage[];
}

function reply(state: RunningState, tenantId: string, topology: Topology, text: string, kind: 'reply' | 'error', key = 'outbound') {
  const { turn, chat, sessionId } = state;
  const outboundId = deriveId(key, turn.turnId, String(state.outboundSeq + 1));
  const outboundSeq = state.outboundSeq + 1;
  const envelope = makeEnvelope(OutboundReady, {
    id: outboundId,
    tenantId,
    correlationId: turn.correlationId,
    causationId: turn.turnId,
    data: { outboundId, sessionId, turnId: turn.turnId, seq: outboundSeq, chat, text, replyTo: turn.messageId, kind },
  });
  return { outboundId, outboundSeq, message: outboxMessage(OutboundReady, topology.subjects.outboundReady(chat.channel), envelope) };
}

/** The turn's answer: recorded, and in the same commit the reply and the fact that the turn completed. */
export function completeTurn(state: RunningState, tenantId: string, topology: Topology, text: string): Outcome {
  const { turn } = state;
  const answer = text.trim() === '' ? '(The agent finished without a reply.)' : fitReply(text);
  const out = reply(state, tenantId, topology, answer, 'reply');
  const fact = makeEnvelope(TurnCompleted, {
    id: deriveId('turn.completed', turn.turnId),
    tenantId,
    correlationId: turn.correlationId,
    causationId: turn.turnId,
    data: {
      sessionId: state.sessionId,
      turnId: turn.turnId,
      agentId: state.agentId,
      usage: turn.usage,
      modelCalls: turn.round,
      toolCalls: state.history.filter((h) => h.role === 'tool').length,
    },
  });
  return {
    events: [{ type: 'TurnCompleted', data: { turnId: turn.turnId, outboundId: out.outboundId, outboundSeq: out.outboundSeq, text: answer, usage: turn.usage } }],
    outbox: [out.message, outboxMessage(TurnCompleted, topology.subjects.event(TurnCompleted.type, tenantId), fact)],
  };
}

/** A turn that cannot finish: recorded, and the user is told why (and whether trying again may help). */
export function failTurn(
  state: RunningState,
  tenantId: string,
  topology: Topology,
  failure: { code: string; reason: string; retryable: boolean },
): Outcome {
  const { turn } = state;
  const text = fitReply(failure.retryable ? `${failure.reason} Please try again in a moment.` : failure.reason);
  const out = reply(state, tenantId, topology, text, 'error');
  const fact = makeEnvelope(TurnFailed, {
    id: deriveId('turn.failed', turn.turnId),
    tenantId,
    correlationId: turn.correlationId,
    causationId: turn.turnId,
    data: { sessionId: state.sessionId, turnId: turn.turnId, agentId: state.agentId, ...failure, reason: failure.reason.slice(0, 2_000) },
  });
  return {
    events: [{ type: 'TurnFailed', data: { turnId: turn.turnId, outboundId: out.outboundId, outboundSeq: out.outboundSeq, ...failure } }],
    outbox: [out.message, outboxMessage(TurnFailed, topology.subjects.event(TurnFailed.type, tenantId), fact)],
  };
}

/** The turn waits for something outside; a question to the user goes out in the same commit. */
export function suspendTurn(
  state: RunningState,
  tenantId: string,
  topology: Topology,
  toolCallId: string,
  suspension: { reason: string; question?: string },
): Outcome {
  const { turnId } = state.turn;
  if (!suspension.question) {
    return { events: [{ type: 'TurnSuspended', data: { turnId, toolCallId, reason: suspension.reason } }], outbox: [] };
  }
  const out = reply(state, tenantId, topology, suspension.question, 'reply', 'question');
  return {
    events: [
      {
        type: 'TurnSuspended',
        data: { turnId, toolCallId, reason: suspension.reason, question: { outboundId: out.outboundId, outboundSeq: out.outboundSeq, text: suspension.question } },
      },
    ],
    outbox: [out.message],
  };
}
