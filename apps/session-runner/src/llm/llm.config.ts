import { z } from 'zod';

/*
 * What configures the model port, apart from building it, so config.ts can extend its schema
 * without pulling the provider SDKs in.
 */

/** The APIs a chain entry can use: OpenAI Chat Completions (and compatibles), OpenAI Responses, Anthropic Messages. */
export const PROVIDER_KINDS = ['openai', 'openai-responses', 'anthropic'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface ModelRef {
  readonly kind: ProviderKind;
  readonly model: string;
}

/** Parses `openai:gpt-4o-mini,anthropic:claude-haiku-4-5`. Only the first `:` separates: model names may contain more. */
export function parseModelChain(text: string): ModelRef[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(':');
      const kind = part.slice(0, at).trim();
      const model = part.slice(at + 1).trim();
      if (at < 0 || !model || !(PROVIDER_KINDS as readonly string[]).includes(kind))
        throw new Error(`"${part}" is not <kind>:<model> with kind one of ${PROVIDER_KINDS.join(', ')}`);
      return { kind: kind as ProviderKind, model };
    });
}

const optionalUrl = z
  .string()
  .url()
  .optional()
  .or(z.literal('').transform(() => undefined));

/**
 * The model settings, for `RunnerConfig = BaseConfig.extend({ ...LlmConfig.shape, ... })`. The MODEL_*
 * keys are the ones config.ts had, unchanged, so existing deployments keep working.
 */
export const LlmConfig = z.object({
  /** Any OpenAI-compatible server; empty means api.openai.com. */
  MODEL_BASE_URL: optionalUrl,
  MODEL_API_KEY: z.string().optional(),
  /** The model when MODEL_CHAIN is empty, served by the MODEL_* (or OPENAI_*) server over Chat Completions. */
  MODEL_NAME: z.string().min(1).default('gpt-4o-mini'),
  MODEL_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Retries of 429, 5xx and timeouts by the SDK (with backoff, honouring retry-after), per model of the chain. */
  MODEL_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /**
   * Models tried in order, each moved past only when it is unavailable or unknown, e.g.
   * `openai:gpt-4o-mini,anthropic:claude-haiku-4-5,openai-responses:gpt-4.1`. Empty: MODEL_NAME alone.
   */
  MODEL_CHAIN: z
    .string()
    .default('')
    .transform((text, ctx) => {
      try {
        return parseModelChain(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** For `openai` and `openai-responses` entries; when neither is set, MODEL_BASE_URL / MODEL_API_KEY serve them. */
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: z.string().optional(),
  /** For `anthropic` entries: the origin, without `/v1` (the SDK adds it). Empty means api.anthropic.com. */
  ANTHROPIC_BASE_URL: optionalUrl,
  ANTHROPIC_API_KEY: z.string().optional(),
  /** The longest answer asked of Anthropic models, which require a limit (AnthropicProvider's default too). */
  ANTHROPIC_MAX_TOKENS: z.coerce.number().int().positive().default(4096),
});
export type LlmConfig = z.infer<typeof LlmConfig>;

export interface Endpoint {
  readonly apiKey?: string;
  readonly baseURL?: string;
}

/** OPENAI_* when either is set, else the generic MODEL_* (any OpenAI-compatible server). */
export const openaiEndpoint = (config: LlmConfig): Endpoint =>
  config.OPENAI_API_KEY || config.OPENAI_BASE_URL
    ? { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL }
    : { apiKey: config.MODEL_API_KEY, baseURL: config.MODEL_BASE_URL };

/** MODEL_CHAIN, or else MODEL_NAME over Chat Completions when an OpenAI-compatible server is configured. */
export function chainFromConfig(config: LlmConfig): readonly ModelRef[] {
  if (config.MODEL_CHAIN.length > 0) return config.MODEL_CHAIN;
  const openai = openaiEndpoint(config);
  return openai.apiKey || openai.baseURL ? [{ kind: 'openai', model: config.MODEL_NAME }] : [];
}

/** Whether any model is configured: what main.ts warns about at start-up. */
export const llmConfigured = (config: LlmConfig): boolean => chainFromConfig(config).length > 0;
