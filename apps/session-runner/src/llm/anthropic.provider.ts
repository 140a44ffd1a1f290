import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsBase,
  MessageParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type { ToolCall } from '@clawfleet/contracts';
import type { LlmProvider, ModelRequest, ModelResponse } from './llm.port';
import { toModelError } from './model-errors';

export interface AnthropicProviderOptions {
  readonly apiKey: string;
  /** The origin: the SDK appends `/v1/messages` itself. */
  readonly baseURL?: string;
  /** The SDK retries 408, 409, 429, 5xx (529 overloaded too) and timeouts, honouring retry-after. */
  readonly maxRetries: number;
  readonly timeoutMs: number;
  /** The API requires a limit on the answer's length. */
  readonly maxTokens?: number;
}

export const DEFAULT_MAX_TOKENS = 4096;

type Params = Omit<MessageCreateParamsBase, 'stream'>;

/** Anthropic Messages API. */
export class AnthropicProvider implements LlmProvider {
  private readonly client: Anthropic;
  private readonly maxTokens: number;

  constructor(options: AnthropicProviderOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries,
      // Set explicitly: without it the SDK refuses large non-streaming max_tokens up front.
      timeout: options.timeoutMs,
    });
    this.maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const tools: Tool[] = request.tools.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: t.parameters as Tool.InputSchema,
    }));
    const params: Params = {
      model: request.model,
      max_tokens: this.maxTokens,
      ...(request.instructions && { system: request.instructions }),
      messages: toMessages(request),
      ...(tools.length > 0 && { tools }),
    };
    try {
      const { onDelta } = request;
      if (!onDelta) return fromMessage(await this.client.messages.create(params, { signal: request.signal }), request);
      const stream = this.client.messages.stream(params, { signal: request.signal });
      // `text` fires once per text delta, across every text block, in order: they join to the final text.
      stream.on('text', (delta) => onDelta(delta));
      return fromMessage(await stream.finalMessage(), request);
    } catch (error) {
      throw toModelError(error, request.signal);
    }
  }
}

/**
 * The history as the API accepts it: roles alternate (consecutive same-role items are merged into one
 * message), tool results travel in a `user` message right after the assistant's `tool_use` blocks.
 */
export function toMessages(request: ModelRequest): MessageParam[] {
  const messages: Array<{ role: 'user' | 'assistant'; content: ContentBlockParam[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return; // the API refuses a message without content
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const item of request.history) {
    if (item.role === 'user') push('user', textBlocks(item.text));
    else if (item.role === 'tool')
      push('user', [
        { type: 'tool_result', tool_use_id: item.toolCallId, ...(item.content && { content: item.content }) },
      ]);
    else push('assistant', [...textBlocks(item.text), ...item.toolCalls.flatMap(toolUse)]);
  }
  // Notes go last, on the user side, rather than into `system`: they stay next to the question they
  // are about, and a changing system prompt would defeat prompt caching of the whole conversation.
  // After tool results they share the user message, where text must (and does) follow tool_result blocks.
  for (const note of request.notes) push('user', textBlocks(note));
  return messages;
}

const textBlocks = (text: string): ContentBlockParam[] => (text ? [{ type: 'text', text }] : []);

/**
 * A recorded tool call as a `tool_use` block. `input` must be an object: arguments that are not a JSON
 * object (the model produced invalid JSON) are sent as `{}`, and the raw text is kept in a text block
 * so the model still sees what it wrote and the tool_use/tool_result pairing stays valid.
 */
function toolUse(call: ToolCall): ContentBlockParam[] {
  const input = parseObject(call.arguments);
  const block: ContentBlockParam = { type: 'tool_use', id: call.id, name: call.name, input: input ?? {} };
  if (input) return [block];
  return [{ type: 'text', text: `(arguments of ${call.name} were not valid JSON: ${call.arguments})` }, block];
}

function parseObject(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function fromMessage(message: Message, request: ModelRequest): ModelResponse {
  const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const toolCalls = message.content.flatMap((b) =>
    b.type === 'tool_use' ? [{ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) }] : [],
  );
  const u = message.usage;
  return {
    model: message.model || request.model,
    text,
    toolCalls,
    // Anthropic counts cached prompt tokens apart; OpenAI's prompt_tokens includes them. Summed, the two agree.
    usage: {
      inputTokens: u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
      outputTokens: u.output_tokens,
    },
    finishReason: message.stop_reason ?? 'unknown',
  };
}
