import type { ToolCall } from '@clawfleet/contracts';
import type { AgentResolver, AgentRuntime } from '../agents/agent-runtime';
import { ModelError, type ModelResponse } from '../llm/llm.port';
import type { ToolBox, ToolContext, ToolResult } from '../tools/tool.port';
import { WEB_FETCH } from '../tools/web-fetch';
import { sanitizeResponse, sanitizeToolResult, type SanitizedResponse } from './sanitize';
import { historyTokens, type ModelUsage, type SessionState } from './session.state';
import { statusText, usageText, type ModelPrices } from './turn.outcomes';

/** Token budgets shared by the replicas: a model call is made only with tokens reserved for it. */
export interface BudgetPort {
  reserve(
    scope: { tenantId: string; agentId: string; agentTokensPerMonth?: number },
    tokens: number,
  ): Promise<{ granted: true; id: string | null } | { granted: false; reason: string }>;
  settle(reservationId: string | null, usedTokens: number): Promise<void>;
}

// The JSON size of each tool spec, measured once (an agent's specs are the same objects call after call).
const specChars = new WeakMap<object, number>();
const toolsChars = (tools: readonly object[]) => {
  let chars = tools.length + 1; // JSON.stringify(tools).length: brackets and commas, and each spec
  for (const spec of tools) {
    let n = specChars.get(spec);
    if (n === undefined) specChars.set(spec, (n = JSON.stringify(spec).length));
    chars += n;
  }
  return tools.length === 0 ? 2 : chars;
};

/** A rough token count of a prompt (4 characters a token), enough to reserve a budget before a call. */
const estimateTokens = (state: RunningState, instructions: string, tools: readonly object[]) =>
  historyTokens(state.history) + Math.ceil((instructions.length + toolsChars(tools)) / 4);

export interface TurnEffectsDeps {
  readonly budgets: BudgetPort;
  /** Output tokens reserved per call on top of the prompt's estimate. */
  readonly reserveOutputTokens: number;
  /** The configuration of a session's agent version: instructions, model chain, tools, limits. */
  readonly agents: AgentResolver;
  /** Every tool the runner has; an agent may allow fewer. */
  readonly tools: ToolBox;
  /** Where a failed model call's full error and a sanitised response are logged (warn). */
  readonly warn?: (fields: Record<string, unknown>, message: string) => void;
  /** What was recorded of an agent's usage today, for /usage (absent: shown as unavailable). */
  readonly usage?: { agentToday(tenantId: string, agentId: string): Promise<Record<string, ModelUsage>> };
  /** MODEL_PRICES, for /usage. */
  readonly prices?: ModelPrices;
}

export type RunningState = Extract<SessionState, { status: 'running' }>;

const where = (tenantId: string, state: RunningState) => ({
  tenantId,
  sessionId: state.sessionId,
  turnId: state.turn.turnId,
});

const SUMMARIZE =
  'You compress conversations. Summarize the conversation so far for the assistant who continues it: the facts, decisions, open questions and what the user wants, in at most 300 words. Write the summary only.';

/** The side effects of a turn, as plain functions: the executor imports only their types. */
export function createTurnEffects(deps: TurnEffectsDeps) {
  const agentOf = (tenantId: string, state: { agentId: string; agentVersion?: number | null }) =>
    deps.agents(tenantId, state.agentId, state.agentVersion ?? null);
  /** The tools an agent may call: those it allows, and web_fetch only when its sandbox has egress. */
  const usable = (agent: AgentRuntime, name: string) =>
    (agent.toolsAllowed === null || agent.toolsAllowed.includes(name)) && (name !== WEB_FETCH || agent.sandbox.egress !== null);
  const toolSpecs = (agent: AgentRuntime) => deps.tools.specs.filter((t) => usable(agent, t.name));

  /** One model call within the budget: reserved before, settled with the real usage after. */
  async function complete(
    tenantId: string,
    agent: AgentRuntime,
    state: RunningState,
    request: { instructions: string; history: RunningState['history']; tools: ToolBox['specs']; notes: string[] },
    signal?: AbortSignal,
    onText?: (textSoFar: string) => void,
  ): Promise<SanitizedResponse<ModelResponse & { latencyMs: number }>> {
    let soFar = '';
    const onDelta = onText && ((delta: string) => onText((soFar += delta)));
    const prompt = { ...state, history: request.history };
    const reservation = await deps.budgets.reserve(
      { tenantId, agentId: state.agentId, ...(agent.tokenBudgetPerMonth > 0 && { agentTokensPerMonth: agent.tokenBudgetPerMonth }) },
      estimateTokens(prompt, request.instructions, request.tools) + deps.reserveOutputTokens,
    );
    if (!reservation.granted) throw new ModelError(reservation.reason, false, 'budget-exhausted');
    let used = 0;
    const started = performance.now();
    try {
      const response = await agent.llm.complete({
        model: state.model ?? agent.defaultModel,
        ...(state.model && { pinnedModel: state.model }),
        ...request,
        signal,
        ...(onDelta && { onDelta }),
      });
      used = response.usage.inputTokens + response.usage.outputTokens;
      // The edge where a model's text enters: made storable before anything records it.
      const clean = sanitizeResponse({ ...response, latencyMs: Math.round(performance.now() - started) });
      if (clean.sanitized)
        deps.warn?.({ ...where(tenantId, state), sanitized: clean.sanitized }, 'model response sanitised');
      return clean;
    } catch (error) {
      // The provider's own words stay here and in the TurnFailed event; the user gets a short text.
      if (error instanceof ModelError && error.code !== 'model-aborted')
        deps.warn?.(
          { ...where(tenantId, state), code: error.code, retryable: error.retryable, err: error },
          'model call failed',
        );
      throw error;
    } finally {
      await deps.budgets.settle(reservation.id, used);
    }
  }

  return {
    /** The model a session runs when it pinned none: its agent version's first. */
    async defaultModelOf(tenantId: string, state: { agentId: string; agentVersion?: number | null }): Promise<string> {
      return (await agentOf(tenantId, state)).defaultModel;
    },

    /** The text of a `status` or `usage` notice, composed when it is sent. */
    async composeNotice(
      tenantId: string,
      state: Exclude<SessionState, { status: 'empty' }>,
      kind: 'status' | 'usage',
    ): Promise<string> {
      if (kind === 'status') return statusText(state, await agentOf(tenantId, state).catch(() => undefined));
      const today = await deps.usage?.agentToday(tenantId, state.agentId).catch(() => undefined);
      return usageText(state, today, deps.prices ?? {});
    },

    /** The agent's limits the planner needs (rounds, queue mode), for a session's version. */
    async limitsOf(tenantId: string, state: { agentId: string; agentVersion?: number | null }) {
      const agent = await agentOf(tenantId, state);
      return { maxRounds: agent.maxRounds, queueMode: agent.queueMode };
    },

    /** `onText`: the answer's text so far, while the model writes it (the provider then streams). */
    async callModel(
      tenantId: string,
      state: RunningState,
      round: number,
      signal?: AbortSignal,
      onText?: (text: string) => void,
    ) {
      const agent = await agentOf(tenantId, state);
      const notes: string[] = [];
      const left = agent.maxRounds - round;
      if (round >= Math.ceil(agent.maxRounds * 0.8)) {
        notes.push(
          left === 0
            ? 'This is your last model call in this turn: give your final answer now, without calling tools.'
            : `You have ${left} more model call(s) in this turn. Wrap up and give a final answer soon.`,
        );
      }
      const tools = left === 0 ? [] : toolSpecs(agent);
      return complete(
        tenantId,
        agent,
        state,
        { instructions: agent.instructions, history: state.history, tools, notes },
        signal,
        onText,
      );
    },

    /** Summarizes the first `items` of the history, which end before a user message (complete exchanges). */
    async summarize(tenantId: string, state: RunningState, items: number, signal?: AbortSignal) {
      const history = state.history.slice(0, items);
      return complete(
        tenantId,
        await agentOf(tenantId, state),
        state,
        { instructions: SUMMARIZE, history, tools: [], notes: ['Summarize the conversation above now.'] },
        signal,
      );
    },

    /**
     * A tool the session's agent does not allow goes back to the model as an error, never runs; a
     * tool's result is made storable (binary output, echoed NULs) before anything records it.
     */
    async runTool(call: ToolCall, context: ToolContext): Promise<ToolResult> {
      if (context.agentId !== undefined) {
        const agent = await agentOf(context.tenantId, { agentId: context.agentId, agentVersion: context.agentVersion });
        if (!usable(agent, call.name))
          return {
            status: 'error',
            content:
              call.name === WEB_FETCH && (agent.toolsAllowed === null || agent.toolsAllowed.includes(call.name))
                ? `The tool "${call.name}" is not available to this agent: its sandbox has no egress.`
                : `The tool "${call.name}" is not available to this agent.`,
          };
        // The tools run under the agent version's sandbox policy (clamped again where it is used).
        context = { ...context, sandbox: agent.sandbox };
      }
      return sanitizeToolResult(await deps.tools.run(call, context));
    },

    isIdempotent(toolName: string): boolean {
      return deps.tools.isIdempotent(toolName);
    },
  };
}

export type TurnEffects = ReturnType<typeof createTurnEffects>;
export const TURN_EFFECTS = Symbol('TURN_EFFECTS');
