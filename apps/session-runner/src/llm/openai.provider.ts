import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { ModelError, type LlmProvider, type ModelRequest, type ModelResponse } from './llm.port';

export interface OpenAIProviderOptions {
  readonly apiKey: string;
  readonly baseURL?: string;
  /** The SDK retries 429, 5xx and timeouts with backoff, honouring retry-after. */
  readonly maxRetries: number;
  readonly timeoutMs: number;
}

function toMessages(request: ModelRequest): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: request.instructions }];
  for (const item of request.history) {
    if (item.role === 'user') messages.push({ role: 'user', content: item.text });
    else if (item.role === 'tool') messages.push({ role: 'tool', tool_call_id: item.toolCallId, content: item.content });
    else
      messages.push({
        role: 'assistant',
        content: item.text || null,
        ...(item.toolCalls.length > 0 && {
          tool_calls: item.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
        }),
      });
  }
  for (const note of request.notes) messages.push({ role: 'system', content: note });
  return messages;
}

/** OpenAI Chat Completions, and any server that speaks it (vLLM, Ollama, LiteLLM, ...). */
export class OpenAIChatProvider implements LlmProvider {
  private readonly client: OpenAI;

  constructor(options: OpenAIProviderOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries,
      timeout: options.timeoutMs,
    });
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const tools: ChatCompletionTool[] = request.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
    try {
      const response = await this.client.chat.completions.create(
        { model: request.model, messages: toMessages(request), ...(tools.length > 0 && { tools }) },
        { signal: request.signal },
      );
      const choice = response.choices[0];
      if (!choice) throw new ModelError('the model returned no choices', true);
      return {
        model: response.model || request.model,
        text: choice.message.content ?? '',
        toolCalls: (choice.message.tool_calls ?? []).flatMap((c) =>
          c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
        ),
        usage: { inputTokens: response.usage?.prompt_tokens ?? 0, outputTokens: response.usage?.completion_tokens ?? 0 },
        finishReason: choice.finish_reason ?? 'unknown',
      };
    } catch (error) {
      throw toModelError(error);
    }
  }
}

function toModelError(error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof OpenAI.APIConnectionError) return new ModelError(`model server unreachable: ${error.message}`, true);
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return new ModelError(`model request failed (${status}): ${error.message}`, retryable, retryable ? 'model-unavailable' : `model-${status}`);
  }
  return new ModelError(`model request failed: ${(error as Error).message}`, true);
}

/** Stands in when no model is configured: every turn fails with what to set. */
export class UnconfiguredProvider implements LlmProvider {
  async complete(): Promise<ModelResponse> {
    throw new ModelError(
      'No model is configured. Set MODEL_API_KEY and MODEL_NAME (OpenAI), or MODEL_BASE_URL and MODEL_NAME for any OpenAI-compatible server, and restart session-runner.',
      false,
      'no-model',
    );
  }
}
