import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

export const RunnerConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  /** Any OpenAI-compatible server; empty means api.openai.com. */
  MODEL_BASE_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  MODEL_API_KEY: z.string().optional(),
  MODEL_NAME: z.string().min(1).default('gpt-4o-mini'),
  MODEL_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Retries of 429, 5xx and timeouts by the SDK (with backoff, honouring retry-after). */
  MODEL_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  AGENT_INSTRUCTIONS: z.string().default('You are a helpful assistant. Answer concisely.'),
  /** Model calls allowed in one turn; a warning is given to the model at 80%. */
  TURN_MAX_ROUNDS: z.coerce.number().int().min(1).max(200).default(16),
  /** How long a runner owns a session without renewing; a crashed runner's sessions move after this. */
  SESSION_LEASE_MS: z.coerce.number().int().min(500).default(15_000),
  /** How often a runner looks for sessions with work that nobody runs (after a crash). */
  SESSION_SWEEP_MS: z.coerce.number().int().min(50).default(1_000),
  /** Sessions this runner works on at once. */
  RUNNER_MAX_SESSIONS: z.coerce.number().int().min(1).default(256),
});
export type RunnerConfig = z.infer<typeof RunnerConfig>;
export const RUNNER_CONFIG = Symbol('RUNNER_CONFIG');

/** With neither a key nor a base URL there is no model to call. */
export const modelConfigured = (config: RunnerConfig) => Boolean(config.MODEL_API_KEY || config.MODEL_BASE_URL);
