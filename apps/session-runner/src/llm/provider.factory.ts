import { AnthropicProvider } from './anthropic.provider';
import { FailoverProvider, type ChainEntry, type FailoverListener } from './failover.provider';
import {
  chainFromConfig,
  openaiEndpoint,
  type Endpoint,
  type LlmConfig,
  type ModelRef,
  type ProviderKind,
} from './llm.config';
import type { LlmProvider } from './llm.port';
import { OpenAIResponsesProvider } from './openai-responses.provider';
import { OpenAIChatProvider, UnconfiguredProvider } from './openai.provider';

export {
  LlmConfig,
  llmConfigured,
  parseModelChain,
  PROVIDER_KINDS,
  type ModelRef,
  type ProviderKind,
} from './llm.config';

/** Everything needed to build the model port, independent of where the values came from. */
export interface LlmSpec {
  readonly chain: readonly ModelRef[];
  /** `openai-responses` entries use the `openai` endpoint. */
  readonly endpoints: { readonly openai?: Endpoint; readonly anthropic?: Endpoint };
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly anthropicMaxTokens?: number;
  readonly onFailover?: FailoverListener;
}

/**
 * The model port for a chain: one SDK client per API, shared by the chain's entries, behind a
 * FailoverProvider that sets each entry's model (so the request's `model` is not used). An empty
 * chain gives UnconfiguredProvider; an entry whose endpoint has neither key nor URL is a start-up error.
 */
export function createLlmProvider(spec: LlmSpec): LlmProvider {
  if (spec.chain.length === 0) return new UnconfiguredProvider();
  const clients = new Map<ProviderKind, LlmProvider>();
  const providerFor = (kind: ProviderKind): LlmProvider => {
    const existing = clients.get(kind);
    if (existing) return existing;
    const endpoint = kind === 'anthropic' ? spec.endpoints.anthropic : spec.endpoints.openai;
    if (!endpoint?.apiKey && !endpoint?.baseURL)
      throw new Error(`the model chain uses ${kind}, but no API key or base URL is configured for it`);
    // A local server may need no key; the SDKs refuse an empty one.
    const common = {
      apiKey: endpoint.apiKey || 'unused',
      baseURL: endpoint.baseURL,
      maxRetries: spec.maxRetries,
      timeoutMs: spec.timeoutMs,
    };
    const created =
      kind === 'anthropic'
        ? new AnthropicProvider({ ...common, maxTokens: spec.anthropicMaxTokens })
        : kind === 'openai-responses'
          ? new OpenAIResponsesProvider(common)
          : new OpenAIChatProvider(common);
    clients.set(kind, created);
    return created;
  };
  const entries: ChainEntry[] = spec.chain.map((ref) => ({ provider: providerFor(ref.kind), model: ref.model }));
  return new FailoverProvider(entries, spec.onFailover);
}

/** The model port from the parsed configuration (see LlmConfig for what each key does). */
export function llmFromConfig(config: LlmConfig, onFailover?: FailoverListener): LlmProvider {
  return llmForChain(config, chainFromConfig(config), onFailover);
}

/**
 * The model port for a chain (an agent's), on this process's endpoints, keys and limits: keys
 * never come from the chain's data.
 */
export function llmForChain(config: LlmConfig, chain: readonly ModelRef[], onFailover?: FailoverListener): LlmProvider {
  return createLlmProvider({
    chain,
    endpoints: {
      openai: openaiEndpoint(config),
      anthropic: { apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL },
    },
    maxRetries: config.MODEL_MAX_RETRIES,
    timeoutMs: config.MODEL_TIMEOUT_MS,
    anthropicMaxTokens: config.ANTHROPIC_MAX_TOKENS,
    onFailover,
  });
}
