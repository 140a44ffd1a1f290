import type { AgentConfig, AgentSandbox, McpServer, QueueMode, Skill } from '@clawfleet/provisioning';
import type { LlmProvider } from '../llm/llm.port';

/** What a session's turns run with: one version of an agent, its model chain built. */
export interface AgentRuntime {
  readonly agentId: string;
  /** null: the environment's configuration (a session from before agents were versioned). */
  readonly version: number | null;
  readonly instructions: string;
  /** The first model of the chain: what runs unless the session pinned one with /model. */
  readonly defaultModel: string;
  readonly llm: LlmProvider;
  /** null: every tool the runner has. */
  readonly toolsAllowed: readonly string[] | null;
  readonly queueMode: QueueMode;
  readonly maxRounds: number;
  /** 0: the runner's TOKEN_BUDGET_PER_AGENT. */
  readonly tokenBudgetPerMonth: number;
  /** The version's MCP servers and skills: recorded in AgentConfigured, not used by any tool yet. */
  readonly mcpServers: readonly McpServer[];
  readonly skills: readonly Skill[];
  /** Its sandbox policy as configured; clamped to the runner's where it is used (the sandbox, the tools). */
  readonly sandbox: AgentSandbox;
}

/** Resolves the runtime of (tenant, agent, version); the port turn effects and the runner use. */
export type AgentResolver = (tenantId: string, agentId: string, version: number | null) => Promise<AgentRuntime>;

/** The runtime of one stored version, given the model port of its chain (or the environment's). */
export function runtimeOf(
  agentId: string,
  version: number | null,
  config: AgentConfig,
  llm: LlmProvider,
  envModel: string,
): AgentRuntime {
  return {
    agentId,
    version,
    instructions: config.instructions,
    defaultModel: config.models[0]?.model ?? envModel,
    llm,
    toolsAllowed: config.toolsAllowed,
    queueMode: config.queueMode,
    maxRounds: config.maxRounds,
    tokenBudgetPerMonth: config.tokenBudgetPerMonth,
    mcpServers: config.mcpServers,
    skills: config.skills,
    sandbox: config.sandbox,
  };
}
