import OpenAI from 'openai';
import type {
  FunctionTool,
  Response,
  ResponseCreateParamsBase,
  ResponseInputItem,
} from 'openai/resources/responses/responses';
import { ModelError, type LlmProvider, type ModelRequest, type ModelResponse } from './llm.port';
import { codeOfStatus, toModelError } from './model-errors';
import { openAIClient, type OpenAIProviderOptions } from './openai.provider';

type Params = Omit<ResponseCreateParamsBase, 'stream'>;

/** The whole history as input items: the session's event store is the record, not OpenAI's storage. */
export function toInput(request: ModelRequest): ResponseInputItem[] {
  const input: ResponseInputItem[] = [];
  for (const item of request.history) {
    if (item.role === 'user') input.push({ role: 'user', content: item.text });
    else if (item.role === 'tool')
      input.push({ type: 'function_call_output', call_id: item.toolCallId, output: item.content });
    else {
      if (item.text) input.push({ role: 'assistant', content: item.text });
      for (const c of item.toolCalls)
        input.push({ type: 'function_call', call_id: c.id, name: c.name, arguments: c.arguments });
    }
  }
  // Developer messages are the Responses API's in-conversation instructions, placed after the history.
  for (const note of request.notes) input.push({ role: 'developer', content: note });
  return input;
}

/** OpenAI Responses API (`POST /v1/responses`), stateless: every call carries the full history. */
export class OpenAIResponsesProvider implements LlmProvider {
  private readonly client: OpenAI;

  constructor(options: OpenAIProviderOptions) {
    this.client = openAIClient(options);
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const tools: FunctionTool[] = request.tools.map((t) => ({
      type: 'function',
      name: t.name,
      description: t.description,
      parameters: t.parameters,
      // Strict mode needs every property required and no extra ones: tool schemas are not written for it.
      strict: false,
    }));
    const params: Params = {
      model: request.model,
      instructions: request.instructions,
      input: toInput(request),
      // Nothing refers back to a stored response, so none is kept at OpenAI.
      store: false,
      ...(tools.length > 0 && { tools }),
    };
    try {
      const { onDelta } = request;
      const response = onDelta
        ? await this.stream(params, request, onDelta)
        : await this.client.responses.create(params, { signal: request.signal });
      return fromResponse(response, request);
    } catch (error) {
      throw toModelError(error, request.signal);
    }
  }

  private async stream(params: Params, request: ModelRequest, onDelta: (text: string) => void): Promise<Response> {
    const events = await this.client.responses.create({ ...params, stream: true }, { signal: request.signal });
    let final: Response | undefined;
    for await (const event of events) {
      if (event.type === 'response.output_text.delta') onDelta(event.delta);
      else if (
        event.type === 'response.completed' ||
        event.type === 'response.incomplete' ||
        event.type === 'response.failed'
      )
        final = event.response;
    }
    // The terminal event carries the whole response; without it the answer may be partial.
    if (!final) throw new ModelError('the model stream ended before the answer was complete', true);
    return final;
  }
}

function fromResponse(response: Response, request: ModelRequest): ModelResponse {
  if (response.status === 'failed') {
    const code = response.error?.code;
    const retryable = code === 'server_error' || code === 'rate_limit_exceeded';
    const message = response.error?.message ?? '';
    // A failed response has no HTTP status: its code says what a status would have.
    const status = code === 'rate_limit_exceeded' ? 429 : code === 'server_error' ? 500 : 400;
    throw new ModelError(
      `model response failed (${code ?? 'unknown'}): ${message}`,
      retryable,
      codeOfStatus(status, message, code),
    );
  }
  const text = response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .flatMap((part) => (part.type === 'output_text' ? [part.text] : []))
    .join('');
  const toolCalls = response.output.flatMap((item) =>
    item.type === 'function_call' ? [{ id: item.call_id, name: item.name, arguments: item.arguments }] : [],
  );
  return {
    model: response.model || request.model,
    text,
    toolCalls,
    usage: { inputTokens: response.usage?.input_tokens ?? 0, outputTokens: response.usage?.output_tokens ?? 0 },
    // `incomplete` says why (e.g. max_output_tokens); otherwise the status, normally `completed`.
    finishReason:
      response.status === 'incomplete'
        ? (response.incomplete_details?.reason ?? 'incomplete')
        : (response.status ?? 'completed'),
  };
}
