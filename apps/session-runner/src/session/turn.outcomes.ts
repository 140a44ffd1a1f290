import { makeEnvelope } from '@clawfleet/bus';
import {
  MAX_REPLY_CHARS,
  type Attachment,
  type ToolOutcome,
  OutboundReady,
  storableText,
  TurnCompleted,
  TurnFailed,
  type SessionEvent,
  type Topology,
  type EventDefinition,
} from '@clawfleet/contracts';
import { outboxMessage, type OutboxMessage } from '@clawfleet/event-store';
import type { z } from 'zod';
import { deriveId } from '@clawfleet/platform';
import { failureText } from './failure-texts';
import type { ModelUsage, Notice, SessionState } from './session.state';
import type { RunningState } from './turn.effects';

const CUT_NOTE = '\n\n[The reply was cut: it was longer than the platform sends in one message.]';

/** A model may answer at any length; one outbound message carries at most MAX_REPLY_CHARS (never half a pair). */
function fitReply(text: string): string {
  return text.length <= MAX_REPLY_CHARS ? text : storableText(text, MAX_REPLY_CHARS - CUT_NOTE.length) + CUT_NOTE;
}

interface Outcome {
  readonly events: SessionEvent[];
  readonly outbox: OutboxMessage[];
}

type ActiveState = Exclude<SessionState, { status: 'empty' }>;
interface ReplyRef {
  readonly turnId: string;
  readonly correlationId: string;
  readonly replyTo: string;
}

function reply(
  state: ActiveState,
  tenantId: string,
  topology: Topology,
  ref: ReplyRef,
  text: string,
  kind: 'reply' | 'error' | 'notice',
  key = 'outbound',
  attachment?: Attachment,
) {
  const { chat, sessionId } = state;
  const outboundSeq = state.outboundSeq + 1;
  const outboundId = deriveId(key, ref.turnId, String(outboundSeq));
  const envelope = makeEnvelope(OutboundReady, {
    id: outboundId,
    tenantId,
    correlationId: ref.correlationId,
    causationId: ref.turnId,
    data: {
      outboundId,
      sessionId,
      turnId: ref.turnId,
      seq: outboundSeq,
      chat,
      text,
      replyTo: ref.replyTo,
      kind,
      ...(attachment && { attachment }),
    },
  });
  return {
    outboundId,
    outboundSeq,
    message: outboxMessage(OutboundReady, topology.subjects.outboundReady(chat.channel), envelope),
  };
}

const turnRef = (state: RunningState): ReplyRef => ({
  turnId: state.turn.turnId,
  correlationId: state.turn.correlationId,
  replyTo: state.turn.messageId,
});

const factRefs = (state: RunningState) => ({
  sessionId: state.sessionId,
  turnId: state.turn.turnId,
  agentId: state.agentId,
});

/** A fact about the turn for the EVENTS stream (metrics, projections, the scheduler), deduplicated by turn. */
function turnFact<T extends string, S extends z.ZodType>(
  definition: EventDefinition<T, S>,
  state: RunningState,
  tenantId: string,
  topology: Topology,
  data: z.infer<S>,
): OutboxMessage {
  const { turnId, correlationId } = state.turn;
  const envelope = makeEnvelope(definition, {
    id: deriveId(definition.type, turnId),
    tenantId,
    correlationId,
    causationId: turnId,
    data,
  });
  return outboxMessage(definition, topology.subjects.event(definition.type, tenantId), envelope);
}

/**
 * The `turn.failed` fact of a message the store refused (`MessageRefused`): its turn never ran. The
 * user's notice goes out with the session's other notices, in its reply order.
 */
export function refusedMessageFact(
  state: ActiveState,
  tenantId: string,
  topology: Topology,
  refused: Extract<SessionEvent, { type: 'MessageRefused' }>['data'],
): OutboxMessage {
  const { turnId, correlationId, code, reason } = refused;
  const envelope = makeEnvelope(TurnFailed, {
    id: deriveId(TurnFailed.type, turnId),
    tenantId,
    correlationId,
    causationId: turnId,
    data: {
      sessionId: state.sessionId,
      turnId,
      agentId: state.agentId,
      code,
      reason: storableText(reason, 2_000),
      retryable: false,
    },
  });
  return outboxMessage(TurnFailed, topology.subjects.event(TurnFailed.type, tenantId), envelope);
}

/** The turn's answer: recorded, and in the same commit the reply and the fact that the turn completed. */
export function completeTurn(state: RunningState, tenantId: string, topology: Topology, text: string): Outcome {
  const { turn } = state;
  const answer = text.trim() === '' ? '(The agent finished without a reply.)' : fitReply(text);
  const out = reply(state, tenantId, topology, turnRef(state), answer, 'reply');
  const fact = turnFact(TurnCompleted, state, tenantId, topology, {
    ...factRefs(state),
    usage: turn.usage,
    modelCalls: turn.round,
    toolCalls: turn.toolCallsDone,
  });
  return {
    events: [
      {
        type: 'TurnCompleted',
        data: {
          turnId: turn.turnId,
          outboundId: out.outboundId,
          outboundSeq: out.outboundSeq,
          text: answer,
          usage: turn.usage,
        },
      },
    ],
    outbox: [out.message, fact],
  };
}

/**
 * A turn that cannot finish: recorded with the full reason, and the user is sent the short text for
 * its kind of failure (`failureText`), which the event keeps too.
 */
export function failTurn(
  state: RunningState,
  tenantId: string,
  topology: Topology,
  failure: { code: string; reason: string; retryable: boolean },
): Outcome {
  const { turn } = state;
  // The reason may be a provider's error text: made storable like everything else from outside.
  const detail = { ...failure, reason: storableText(failure.reason) };
  const text = fitReply(failureText(detail));
  const out = reply(state, tenantId, topology, turnRef(state), text, 'error');
  const fact = turnFact(TurnFailed, state, tenantId, topology, {
    ...factRefs(state),
    ...detail,
    reason: storableText(detail.reason, 2_000),
  });
  return {
    events: [
      {
        type: 'TurnFailed',
        data: { turnId: turn.turnId, outboundId: out.outboundId, outboundSeq: out.outboundSeq, ...detail, text },
      },
    ],
    outbox: [out.message, fact],
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
  const out = reply(state, tenantId, topology, turnRef(state), suspension.question, 'reply', 'question');
  return {
    events: [
      {
        type: 'TurnSuspended',
        data: {
          turnId,
          toolCallId,
          reason: suspension.reason,
          question: { outboundId: out.outboundId, outboundSeq: out.outboundSeq, text: suspension.question },
        },
      },
    ],
    outbox: [out.message],
  };
}

/**
 * A file a tool call sends the user: the call's completion is recorded (with the file's name, type,
 * size and hash, not its bytes) and in the same commit the file goes out as a reply of its own,
 * `caption` its text.
 */
export function sendFile(
  state: RunningState,
  tenantId: string,
  topology: Topology,
  toolCallId: string,
  outcome: ToolOutcome,
  send: { readonly file: Attachment; readonly caption: string },
): Outcome {
  const out = reply(state, tenantId, topology, turnRef(state), fitReply(send.caption), 'reply', 'file', send.file);
  const { content: _bytes, ...file } = send.file;
  return {
    events: [
      {
        type: 'ToolCallCompleted',
        data: {
          turnId: state.turn.turnId,
          toolCallId,
          outcome,
          sent: { outboundId: out.outboundId, outboundSeq: out.outboundSeq, ...file },
        },
      },
    ],
    outbox: [out.message],
  };
}

/** A command's answer, sent in the session's reply order. */
export function sendNotice(
  state: ActiveState,
  tenantId: string,
  topology: Topology,
  notice: Notice,
  text: string,
): Outcome {
  const ref = { turnId: notice.turnId, correlationId: notice.correlationId, replyTo: notice.messageId };
  const out = reply(state, tenantId, topology, ref, fitReply(text), 'notice', 'notice');
  return {
    events: [
      {
        type: 'NoticeSent',
        data: { turnId: notice.turnId, outboundId: out.outboundId, outboundSeq: out.outboundSeq, text: fitReply(text) },
      },
    ],
    outbox: [out.message],
  };
}

/** /stop: the running (or suspended) turn ends now, and the user is told. */
export function cancelTurn(state: RunningState, tenantId: string, topology: Topology): Outcome {
  const out = reply(state, tenantId, topology, turnRef(state), 'Stopped.', 'notice', 'cancel');
  return {
    events: [
      {
        type: 'TurnCancelled',
        data: { turnId: state.turn.turnId, outboundId: out.outboundId, outboundSeq: out.outboundSeq },
      },
    ],
    outbox: [out.message],
  };
}

/** USD per million tokens, by model (MODEL_PRICES). */
export type ModelPrices = Readonly<Record<string, { readonly input: number; readonly output: number }>>;

const n = (x: number) => x.toLocaleString('en');

/** What /status answers: the agent and version, the model, the session, the running turn, the usage so far. */
export function statusText(
  state: ActiveState,
  agent: { readonly version: number | null; readonly defaultModel: string } | undefined,
): string {
  const doing =
    state.status === 'running'
      ? `Working on a turn (${state.turn.round} model call(s) and ${state.turn.toolCallsDone} tool call(s) done).`
      : state.status === 'suspended'
        ? 'Waiting for an answer.'
        : 'Idle.';
  const queued = state.queue.length > 0 ? ` ${state.queue.length} message(s) waiting.` : '';
  const { inputTokens, outputTokens } = state.usage;
  const version = agent?.version ? ` (version ${agent.version})` : '';
  const model = state.model ?? agent?.defaultModel ?? 'unavailable';
  return `${doing}${queued} Turns: ${state.turns}. Tokens: ${inputTokens} in, ${outputTokens} out. Model: ${model}. Agent: ${state.agentId}${version}. Session: ${state.sessionId}.`;
}

/** Tokens, calls and, where every model has a price, the cost of some usage by model. */
function usageLine(byModel: Readonly<Record<string, ModelUsage>>, prices: ModelPrices): string {
  const all = Object.entries(byModel);
  const total = all.reduce((t, [, u]) => ({ i: t.i + u.inputTokens, o: t.o + u.outputTokens, c: t.c + u.calls }), {
    i: 0,
    o: 0,
    c: 0,
  });
  const line = `${n(total.i)} tokens in, ${n(total.o)} out, ${n(total.c)} model call(s)`;
  if (all.length === 0) return line;
  const unpriced = all.filter(([model]) => !prices[model]).map(([model]) => model);
  if (unpriced.length > 0) return `${line}; no price for ${unpriced.join(', ')} (MODEL_PRICES)`;
  const usd = all.reduce(
    (sum, [model, u]) => sum + (u.inputTokens * prices[model]!.input + u.outputTokens * prices[model]!.output) / 1e6,
    0,
  );
  return `${line}, $${usd.toFixed(4)}`;
}

/** What /usage answers: the session's tokens and cost, and the agent's today (UTC) across its sessions. */
export function usageText(
  state: ActiveState,
  agentToday: Readonly<Record<string, ModelUsage>> | undefined,
  prices: ModelPrices,
): string {
  const today = agentToday ? usageLine(agentToday, prices) : 'unavailable right now';
  return `This session: ${usageLine(state.modelUsage, prices)}. Agent ${state.agentId} today (UTC): ${today}.`;
}
