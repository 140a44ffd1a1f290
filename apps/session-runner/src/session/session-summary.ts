import type { SessionEvent } from '@clawfleet/contracts';
import type { SessionSummary, UsageDelta } from '@clawfleet/records';
import type { SessionState } from './session.state';

/** What the session index keeps of a state (libs/records `runner.sessions`); nothing for an empty one. */
export function summaryOf(tenantId: string, state: SessionState): SessionSummary | undefined {
  if (state.status === 'empty') return undefined;
  return {
    sessionId: state.sessionId,
    tenantId,
    agentId: state.agentId,
    agentVersion: state.agentVersion ?? null,
    chat: state.chat,
    status: state.status === 'idle' && state.queue.length > 0 ? 'queued' : state.status,
    turnId: state.status === 'idle' ? null : state.turn.turnId,
    queued: state.queue.length,
    lastSeq: state.lastSeq,
    turns: state.turns,
    usage: state.usage,
  };
}

/** What the events of one append add to the day's usage: model calls, their tokens, turns ended. */
export function usageOf(events: readonly SessionEvent[]): UsageDelta {
  let inputTokens = 0;
  let outputTokens = 0;
  let modelCalls = 0;
  let turns = 0;
  for (const event of events) {
    switch (event.type) {
      case 'ModelResponded':
      case 'ContextCompacted':
        inputTokens += event.data.usage.inputTokens;
        outputTokens += event.data.usage.outputTokens;
        modelCalls++;
        break;
      case 'TurnCompleted':
      case 'TurnFailed':
      case 'TurnCancelled':
        turns++;
        break;
      default:
        break;
    }
  }
  return { inputTokens, outputTokens, modelCalls, turns };
}
