import type { ToolCall, Usage } from '@clawfleet/contracts';
import { DomainError } from '@clawfleet/platform';
import type { HistoryItem } from '../session/session.state';

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: Record<string, unknown>;
}

export interface ModelRequest {
  readonly model: string;
  /** A model the user chose (`/model`): served by the chain's first provider, without failover. */
  readonly pinnedModel?: string;
  readonly instructions: string;
  readonly history: readonly HistoryItem[];
  readonly tools: readonly ToolSpec[];
  /** System notes appended after the history (e.g. "2 model calls left"). */
  readonly notes: readonly string[];
  readonly signal?: AbortSignal;
  /**
   * When given, the provider streams and calls this with each piece of answer text, in order; the
   * pieces join to exactly the returned `text`. Tool-call arguments are not streamed: they are only
   * useful once complete.
   */
  readonly onDelta?: (textDelta: string) => void;
}

export interface ModelResponse {
  readonly model: string;
  readonly text: string;
  readonly toolCalls: readonly ToolCall[];
  readonly usage: Usage;
  readonly finishReason: string;
}

/** One port for every provider: OpenAI-compatible, Anthropic, ... */
export interface LlmProvider {
  complete(request: ModelRequest): Promise<ModelResponse>;
}

/** The provider refused or failed. `retryable` says whether the same request may succeed later. */
export class ModelError extends DomainError {
  readonly code: string;
  readonly status = 502;
  constructor(
    message: string,
    readonly retryable: boolean,
    code = retryable ? 'model-unavailable' : 'model-error',
  ) {
    super(message);
    this.code = code;
  }
}
