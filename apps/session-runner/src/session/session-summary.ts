import type { SessionEvent } from '@clawfleet/contracts';
import type { RecordedUsage, SessionSummary } from '@clawfleet/records';
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

/** What the events of one append add to the day's usage: each model's calls and tokens, turns ended. */
export function usageOf(events: readonly SessionEvent[]): RecordedUsage {
  const byModel: Record<string, { inputTokens: number; outputTokens: number; calls: number }> = {};
  let turns = 0;
  for (const event of events) {
    switch (event.type) {
      case 'ModelResponded':
      case 'ContextCompacted': {
        const { model, usage } = event.data;
        const before = byModel[model] ?? { inputTokens: 0, outputTokens: 0, calls: 0 };
        byModel[model] = {
          inputTokens: before.inputTokens + usage.inputTokens,
          outputTokens: before.outputTokens + usage.outputTokens,
          calls: before.calls + 1,
        };
        break;
      }
      case 'TurnCompleted':
      case 'TurnFailed':
      case 'TurnCancelled':
        turns++;
        break;
      default:
        break;
    }
  }
  return { byModel, turns };
}
