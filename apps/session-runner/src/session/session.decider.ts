import type {
  AgentMcpServer,
  AgentSkill,
  ChatCommand,
  ChatRef,
  SessionEvent,
  Sender,
  ToolCall,
  ToolOutcome,
} from '@clawfleet/contracts';
import { TransientError, ValidationError } from '@clawfleet/platform';
import { decideCommand } from './command-outcomes';
import { historyTokens, type HistoryItem, type Notice, type SessionState } from './session.state';

/** Record a user's message in the session, in the order the router gave it. */
export interface RecordUserMessage {
  readonly type: 'RecordUserMessage';
  readonly sessionId: string;
  readonly agentId: string;
  readonly chat: ChatRef;
  readonly turnId: string;
  readonly seq: number;
  readonly messageId: string;
  readonly text: string;
  readonly sender: Sender;
  readonly source: 'user' | 'schedule' | 'api';
  readonly correlationId: string;
  readonly command?: ChatCommand;
  /**
   * The messages before this one are given up on (they waited past the gap timeout): record that
   * they were skipped, with a notice, and then this one. Without it a gap is a `MessageGap`.
   */
  readonly skipMissing?: boolean;
  /** The agent's configuration version the router saw; recorded when it is not the session's. */
  readonly agentVersion?: number;
  /** That version's MCP servers and skills (read by intake), carried in `AgentConfigured`. */
  readonly agentExtras?: { readonly mcpServers: readonly AgentMcpServer[]; readonly skills: readonly AgentSkill[] };
  /** The store refused to record the message (`reason`): record `MessageRefused` in its place. */
  readonly refused?: { readonly reason: string };
}

/** What AgentConfigured carries of a version beyond its number: only what the version has. */
function extrasOf(extras: RecordUserMessage['agentExtras']) {
  return {
    ...(extras && extras.mcpServers.length > 0 ? { mcpServers: [...extras.mcpServers] } : {}),
    ...(extras && extras.skills.length > 0 ? { skills: [...extras.skills] } : {}),
  };
}

/** The code of a message the store refused, in `MessageRefused` and its `turn.failed`. */
export const MESSAGE_UNSTORABLE = 'message-unstorable';
export const REFUSED_TEXT =
  'Your message could not be stored, so it was not answered: it contains characters this installation cannot keep. Please send it again without them.';

/** A message arrived before its predecessor was recorded: retried until it is, or the gap is settled. */
export class MessageGap extends TransientError {
  constructor(
    readonly sessionId: string,
    readonly seq: number,
    readonly waitingFor: number,
  ) {
    super(`message ${seq} of session ${sessionId} waits for message ${waitingFor}`, { sessionId, seq, waitingFor });
  }
}

export const skippedText = (count: number) =>
  count === 1
    ? 'One of your earlier messages could not be processed and was skipped; please send it again if it mattered.'
    : `${count} of your earlier messages could not be processed and were skipped; please send them again if they mattered.`;

/** Record the outcome of a tool call that completed outside the runner (it suspended its turn). */
export interface RecordToolOutcome {
  readonly type: 'RecordToolOutcome';
  readonly turnId: string;
  readonly toolCallId: string;
  readonly outcome: ToolOutcome;
}

export type SessionCommand = RecordUserMessage | RecordToolOutcome;

/**
 * Pure decisions on commands from the bus. A repeated command decides nothing: that is how a
 * redelivered message becomes a no-op.
 */
export function decide(command: SessionCommand, state: SessionState): SessionEvent[] {
  switch (command.type) {
    case 'RecordUserMessage': {
      const lastSeq = state.status === 'empty' ? 0 : state.lastSeq;
      if (command.seq <= lastSeq) return [];
      if (command.seq > lastSeq + 1 && !command.skipMissing) {
        throw new MessageGap(command.sessionId, command.seq, lastSeq + 1);
      }
      const { sessionId, agentId, chat, turnId, seq, messageId, text, sender, source, correlationId } = command;
      const skipped: SessionEvent[] =
        seq > lastSeq + 1
          ? [
              {
                type: 'MessagesSkipped',
                data: { fromSeq: lastSeq + 1, toSeq: seq - 1, turnId, messageId, correlationId, text: skippedText(seq - 1 - lastSeq) },
              },
            ]
          : [];
      // A command's effect and answer are decided here, on the state it arrives in; folding applies them.
      const { refused } = command;
      const recorded: SessionEvent[] = refused
        ? [
            {
              type: 'MessageRefused',
              data: {
                turnId,
                seq,
                messageId,
                correlationId,
                code: MESSAGE_UNSTORABLE,
                reason: refused.reason,
                text: REFUSED_TEXT,
              },
            },
          ]
        : command.command
          ? [
              {
                type: 'CommandReceived',
                data: {
                  turnId,
                  seq,
                  messageId,
                  command: command.command,
                  correlationId,
                  outcome: decideCommand(command.command, state),
                },
              },
            ]
          : [{ type: 'UserMessageAdded', data: { turnId, seq, messageId, text, sender, source, correlationId } }];
      if (!refused && command.command?.name === 'model' && command.command.args) {
        recorded.push({
          type: 'ModelChanged',
          data: { model: command.command.args === 'default' ? null : command.command.args },
        });
      }
      // The version comes before the message, so the message's turn runs with it.
      const version = command.agentVersion;
      const configured: SessionEvent[] =
        version !== undefined && (state.status === 'empty' || (state.agentVersion ?? null) !== version)
          ? [{ type: 'AgentConfigured', data: { agentId, version, ...extrasOf(command.agentExtras) } }]
          : [];
      return state.status === 'empty'
        ? [{ type: 'SessionStarted', data: { sessionId, agentId, chat } }, ...configured, ...skipped, ...recorded]
        : [...configured, ...skipped, ...recorded];
    }
    case 'RecordToolOutcome': {
      if (
        state.status !== 'suspended' ||
        state.turn.turnId !== command.turnId ||
        state.waitingFor !== command.toolCallId
      ) {
        const known = state.status !== 'empty' && 'turn' in state && state.turn.completed.includes(command.toolCallId);
        if (known || state.status === 'idle') return []; // already recorded, or the turn has moved on
        throw new ValidationError(`no suspended tool call ${command.toolCallId} in turn ${command.turnId}`);
      }
      return [
        {
          type: 'ToolCallCompleted',
          data: { turnId: command.turnId, toolCallId: command.toolCallId, outcome: command.outcome },
        },
      ];
    }
    default:
      return command satisfies never;
  }
}

/** What the runner does next for a session; effects are performed by the executor. */
export type Step =
  | { readonly kind: 'wait' }
  | { readonly kind: 'start-turn'; readonly turnId: string; readonly collected?: readonly string[] }
  | { readonly kind: 'call-model'; readonly round: number }
  | { readonly kind: 'run-tool'; readonly call: ToolCall }
  /** A tool call started but never completed: the process running it died. */
  | { readonly kind: 'recover-tool'; readonly call: ToolCall }
  /** A queued user message answers the question the turn is suspended on. */
  | { readonly kind: 'answer'; readonly toolCallId: string; readonly answeredBy: string; readonly text: string }
  | { readonly kind: 'complete'; readonly text: string }
  /** A command's answer goes out first, whatever else the session is doing. */
  | { readonly kind: 'notify'; readonly notice: Notice }
  /** /stop: the running turn ends here. */
  | { readonly kind: 'cancel' }
  /** `interrupt` mode: a new message cancels the running turn (no notice); the next turn answers it. */
  | { readonly kind: 'interrupt' }
  /** The history nears the model's context window: its older part is summarized first. */
  | { readonly kind: 'compact'; readonly replacedItems: number }
  /** `steer` mode: waiting messages join the running turn before the next model call. */
  | { readonly kind: 'steer'; readonly turnIds: readonly string[] }
  | { readonly kind: 'fail'; readonly code: string; readonly reason: string; readonly retryable: boolean };

/** The tool that asks the user a question; the user's next message is its result. */
export const ASK_USER = 'ask_user';

/**
 * What happens to messages that arrive while a turn runs: `followup` — each gets its own turn
 * afterwards; `collect` — all that waited are answered together in the next turn; `steer` — they are
 * given to the model before its next call in the running turn; `interrupt` — the running turn is
 * cancelled and a new one answers them.
 */
export const QUEUE_MODES = ['followup', 'collect', 'steer', 'interrupt'] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];

export interface Limits {
  /** Model calls allowed in one turn. */
  readonly maxRounds: number;
  readonly queueMode?: QueueMode;
  /** Compact the history when it passes this many (estimated) tokens; undefined: never. */
  readonly compactAtTokens?: number;
}

/** Where a compaction cuts: before the user message of the turn before this one, so recent turns stay whole. */
export function compactionCut(history: readonly HistoryItem[]): number {
  const users = history.flatMap((item, i) => (item.role === 'user' && item.turnId !== 'summary' ? [i] : []));
  return users.length >= 2 ? users[users.length - 2] : 0;
}

/** Plans the next step from the state alone, so any replica resumes a session the same way. */
export function nextStep(state: SessionState, limits: Limits): Step {
  if (state.status !== 'empty') {
    if (state.notices.length > 0) return { kind: 'notify', notice: state.notices[0] };
    if (state.status !== 'idle' && state.cancelRequested) return { kind: 'cancel' };
  }
  switch (state.status) {
    case 'empty':
      return { kind: 'wait' };
    case 'suspended': {
      const waitingOn = state.turn.toolCalls.find((c) => c.id === state.waitingFor);
      const answer = state.queue[0];
      return waitingOn?.name === ASK_USER && answer
        ? { kind: 'answer', toolCallId: state.waitingFor, answeredBy: answer.turnId, text: answer.text }
        : { kind: 'wait' };
    }
    case 'idle': {
      const [first, ...rest] = state.queue;
      if (!first) return { kind: 'wait' };
      // In interrupt mode too: the restarted turn answers everything that came.
      return (limits.queueMode === 'collect' || limits.queueMode === 'interrupt') && rest.length > 0
        ? { kind: 'start-turn', turnId: first.turnId, collected: rest.map((m) => m.turnId) }
        : { kind: 'start-turn', turnId: first.turnId };
    }
    case 'running': {
      const { turn } = state;
      if (turn.finalText !== undefined) return { kind: 'complete', text: turn.finalText };
      if (state.queue.length > 0 && limits.queueMode === 'interrupt') return { kind: 'interrupt' };
      for (const call of turn.toolCalls) {
        if (turn.completed.includes(call.id)) continue;
        return turn.started.includes(call.id) ? { kind: 'recover-tool', call } : { kind: 'run-tool', call };
      }
      if (turn.round >= limits.maxRounds) {
        return {
          kind: 'fail',
          code: 'round-limit',
          reason: `The agent used all ${limits.maxRounds} model calls allowed for one turn without finishing.`,
          retryable: false,
        };
      }
      if (state.queue.length > 0 && limits.queueMode === 'steer') {
        return { kind: 'steer', turnIds: state.queue.map((m) => m.turnId) };
      }
      if (limits.compactAtTokens !== undefined && historyTokens(state.history) > limits.compactAtTokens) {
        const replacedItems = compactionCut(state.history);
        if (replacedItems > 1) return { kind: 'compact', replacedItems };
      }
      return { kind: 'call-model', round: turn.round + 1 };
    }
    default:
      return state satisfies never;
  }
}
