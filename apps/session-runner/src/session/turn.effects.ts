import type { ToolCall, ToolOutcome } from '@clawfleet/contracts';
import type { LlmProvider, ModelResponse } from '../llm/llm.port';
import type { Suspension, ToolBox, ToolContext } from '../tools/tool.port';
import type { SessionState } from './session.state';

export interface TurnEffectsDeps {
  readonly llm: LlmProvider;
  readonly tools: ToolBox;
  readonly model: string;
  readonly instructions: string;
  readonly maxRounds: number;
}

export type RunningState = Extract<SessionState, { status: 'running' }>;

/** The side effects of a turn, as plain functions: the executor imports only their types. */
export function createTurnEffects(deps: TurnEffectsDeps) {
  return {
    defaultModel: deps.model,

    async callModel(state: RunningState, round: number, signal?: AbortSignal): Promise<ModelResponse & { latencyMs: number }> {
      const notes: string[] = [];
      const left = deps.maxRounds - round;
      if (round >= Math.ceil(deps.maxRounds * 0.8)) {
        notes.push(
          left === 0
            ? 'This is your last model call in this turn: give your final answer now, without calling tools.'
            : `You have ${left} more model call(s) in this turn. Wrap up and give a final answer soon.`,
        );
      }
      const started = performance.now();
      const response = await deps.llm.complete({
        model: state.model ?? deps.model,
        ...(state.model && { pinnedModel: state.model }),
        instructions: deps.instructions,
        history: state.history,
        tools: left === 0 ? [] : deps.tools.specs,
        notes,
        signal,
      });
      return { ...response, latencyMs: Math.round(performance.now() - started) };
    },

    runTool(call: ToolCall, context: ToolContext): Promise<ToolOutcome | Suspension> {
      return deps.tools.run(call, context);
    },

    isIdempotent(toolName: string): boolean {
      return deps.tools.isIdempotent(toolName);
    },
  };
}

export type TurnEffects = ReturnType<typeof createTurnEffects>;
export const TURN_EFFECTS = Symbol('TURN_EFFECTS');
