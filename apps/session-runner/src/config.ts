import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';
import { LlmConfig, llmConfigured } from './llm/llm.config';
import { SandboxConfig } from './sandbox/sandbox.config';
import { QUEUE_MODES } from './session/session.decider';

export const RunnerConfig = BaseConfig.extend({
  // MODEL_BASE_URL/API_KEY/NAME/TIMEOUT_MS/MAX_RETRIES, MODEL_CHAIN (failover), OPENAI_*, ANTHROPIC_*
  ...LlmConfig.shape,
  // SANDBOX_*: the container per session the workspace tools run in
  ...SandboxConfig.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  AGENT_INSTRUCTIONS: z.string().default('You are a helpful assistant. Answer concisely.'),
  /** The tenant and agent seeded from this environment on first start (and run for sessions without a version). */
  DEFAULT_TENANT_ID: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/).default('default'),
  DEFAULT_AGENT_ID: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).default('default'),
  /** Models `/model <name>` may pin for the seeded agent (owners and admins only), comma-separated. */
  AGENT_ALLOWED_MODELS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((m) => m.trim()).filter(Boolean)),
  /** Model calls allowed in one turn; a warning is given to the model at 80%. */
  TURN_MAX_ROUNDS: z.coerce.number().int().min(1).max(200).default(16),
  /** Messages that arrive while a turn runs: followup | collect | steer | interrupt (see session.decider.ts). */
  QUEUE_MODE: z.enum(QUEUE_MODES).default('followup'),
  /** The model's context window, in tokens. */
  MODEL_CONTEXT_TOKENS: z.coerce.number().int().min(256).default(128_000),
  /** Summarize older history when the prompt passes this share of the context window. */
  COMPACT_AT: z.coerce.number().min(0.1).max(1).default(0.8),
  /** Tokens (input + output) a tenant may use per calendar month (UTC); 0: no limit. */
  TOKEN_BUDGET_PER_TENANT: z.coerce.number().int().min(0).default(0),
  /** Tokens one agent may use per calendar month; 0: no limit. */
  TOKEN_BUDGET_PER_AGENT: z.coerce.number().int().min(0).default(0),
  /**
   * Prices for /usage, in USD per million tokens: `model=input/output,…` (e.g.
   * `gpt-4o-mini=0.15/0.6,claude-haiku-4-5=1/5`). A model without one shows tokens only.
   */
  MODEL_PRICES: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const prices: Record<string, { input: number; output: number }> = {};
      for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
        const match = /^([^=\s]+)=(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(entry);
        if (!match) {
          ctx.addIssue({ code: 'custom', message: `MODEL_PRICES entry "${entry}" is not model=input/output` });
          return z.NEVER;
        }
        prices[match[1]!] = { input: Number(match[2]), output: Number(match[3]) };
      }
      return prices;
    }),
  /** Output tokens reserved for each model call's answer, on top of the prompt's estimate. */
  TOKEN_RESERVE_OUTPUT: z.coerce.number().int().min(1).default(4_096),
  /** Show a reply while the model writes it, at most this often (ms); 0: only whole replies. */
  PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).default(250),
  /** How long a runner owns a session without renewing; a crashed runner's sessions move after this. */
  SESSION_LEASE_MS: z.coerce.number().int().min(500).default(15_000),
  /** How often a runner looks for sessions with work that nobody runs (after a crash). */
  SESSION_SWEEP_MS: z.coerce.number().int().min(50).default(1_000),
  /**
   * How long a message may wait for a predecessor that never comes (dead-lettered, lost upstream),
   * with the store answering, before the missing ones are skipped with a notice to the user.
   */
  SESSION_GAP_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** Runs of one session that may fail in a row before it is parked (no runner takes it until released). */
  SESSION_MAX_FAILURES: z.coerce.number().int().min(1).max(1_000).default(5),
  /** Sessions this runner works on at once. */
  RUNNER_MAX_SESSIONS: z.coerce.number().int().min(1).default(256),
  /** Estimated bytes of the session states kept in memory between turns (least recently used go first). */
  STATE_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(256 * 1024 * 1024),
});
export type RunnerConfig = z.infer<typeof RunnerConfig>;
export const RUNNER_CONFIG = Symbol('RUNNER_CONFIG');

/** With no key, base URL or chain there is no model to call. */
export const modelConfigured = (config: RunnerConfig) => llmConfigured(config);
