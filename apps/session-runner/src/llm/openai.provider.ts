import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { ModelError, type LlmProvider, type ModelRequest, type ModelResponse } from './llm.port';
import { toModelError } from './model-errors';

export interface OpenAIProviderOptions {
  readonly apiKey: string;
  readonly baseURL?: string;
  /** The SDK retries 429, 5xx and timeouts with backoff, honouring retry-after. */
  readonly maxRetries: number;
  readonly timeoutMs: number;
}

/** Chat Completions parameters without `stream`, shared by the streaming and the plain call. */
type ChatParams = Omit<ChatCompletionCreateParamsBase, 'stream' | 'stream_options'>;

function toMessages(request: ModelRequest): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: request.instructions }];
  for (const item of request.history) {
    if (item.role === 'user') messages.push({ role: 'user', content: item.text });
    else if (item.role === 'tool')
      messages.push({ role: 'tool', tool_call_id: item.toolCallId, content: item.content });
    else
      messages.push({
        role: 'assistant',
        content: item.text || null,
        ...(item.toolCalls.length > 0 && {
          tool_calls: item.toolCalls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: c.arguments },
          })),
        }),
      });
  }
  for (const note of request.notes) messages.push({ role: 'system', content: note });
  return messages;
}

/** The SDK client both OpenAI APIs use. */
export function openAIClient(options: OpenAIProviderOptions): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: options.maxRetries,
    timeout: options.timeoutMs,
  });
}

/** OpenAI Chat Completions, and any server that speaks it (vLLM, Ollama, LiteLLM, ...). */
export class OpenAIChatProvider implements LlmProvider {
  private readonly client: OpenAI;

  constructor(options: OpenAIProviderOptions) {
    this.client = openAIClient(options);
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const tools: ChatCompletionTool[] = request.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
    const params: ChatParams = {
      model: request.model,
      messages: toMessages(request),
      ...(tools.length > 0 && { tools }),
    };
    try {
      return request.onDelta ? await this.stream(params, request, request.onDelta) : await this.once(params, request);
    } catch (error) {
      throw toModelError(error, request.signal);
    }
  }

  private async once(params: ChatParams, request: ModelRequest): Promise<ModelResponse> {
    const response = await this.client.chat.completions.create(params, { signal: request.signal });
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
  }

  private async stream(
    params: ChatParams,
    request: ModelRequest,
    onDelta: (text: string) => void,
  ): Promise<ModelResponse> {
    const stream = await this.client.chat.completions.create(
      // Without include_usage a streamed answer carries no token counts at all.
      { ...params, stream: true, stream_options: { include_usage: true } },
      { signal: request.signal },
    );
    let model = request.model;
    let text = '';
    let finishReason: string | undefined;
    let usage = { inputTokens: 0, outputTokens: 0 };
    // Tool calls arrive as fragments keyed by `index`: the id and name once, the arguments in pieces.
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    for await (const chunk of stream) {
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) {
        text += choice.delta.content;
        onDelta(choice.delta.content);
      }
      for (const part of choice.delta.tool_calls ?? []) {
        const call = (calls[part.index] ??= { id: '', name: '', arguments: '' });
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name = part.function.name;
        if (part.function?.arguments) call.arguments += part.function.arguments;
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    // A stream that ends without a finish reason was cut: its text and arguments may be partial.
    if (!finishReason) throw new ModelError('the model stream ended before the answer was complete', true);
    return { model, text, toolCalls: calls.filter(Boolean), usage, finishReason };
  }
}

/** Stands in when no model is configured: every turn fails with what to set. */
export class UnconfiguredProvider implements LlmProvider {
  async complete(): Promise<ModelResponse> {
    throw new ModelError(
      'No model is configured. Set MODEL_API_KEY and MODEL_NAME (OpenAI), or MODEL_BASE_URL and MODEL_NAME for any OpenAI-compatible server, or MODEL_CHAIN with the keys of its providers, and restart session-runner.',
      false,
      'no-model',
    );
  }
}
