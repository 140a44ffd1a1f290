import type { CompletionEndpoint, ResolvedReply, SseEvent } from './dialect';
import { nowSeconds } from './openai-chat';
import { argumentDeltas, textDeltas } from './script';
import { contentText, isRecord, randomId } from './util';

/** OpenAI `POST /v1/responses` (Responses API), with the event sequence the SDK's ResponseStream checks. */
export const responses: CompletionEndpoint = {
  kind: 'completion',
  api: 'responses',
  validate(body) {
    if (typeof body['model'] !== 'string') return "Missing required parameter: 'model'.";
    const input = body['input'];
    if (typeof input !== 'string' && !Array.isArray(input)) return "Missing required parameter: 'input'.";
    // Without a stored previous response, every function_call_output must answer a function_call sent along.
    if (Array.isArray(input) && body['previous_response_id'] == null) {
      const calls = new Set(input.filter((i) => isRecord(i) && i['type'] === 'function_call').map((i) => i.call_id));
      const orphan = input.find((i) => isRecord(i) && i['type'] === 'function_call_output' && !calls.has(i['call_id']));
      if (orphan) return `No tool call found for function call output with call_id ${String(orphan.call_id)}.`;
    }
    return undefined;
  },
  isStream: (body) => body['stream'] === true,
  lastUserText(body) {
    const input = body['input'];
    if (typeof input === 'string') return input;
    const items = Array.isArray(input) ? input.filter(isRecord) : [];
    for (const item of items.toReversed()) {
      const text = item['role'] === 'user' ? contentText(item['content'], ['input_text', 'text']) : undefined;
      if (text !== undefined) return text;
    }
    return undefined;
  },
  respond: (body, reply) => finalResponse(body, reply, outputItems(reply)),
  stream(body, reply) {
    const items = outputItems(reply);
    const done = finalResponse(body, reply, items);
    const pending = {
      ...done,
      status: 'in_progress',
      output: [],
      usage: null,
      incomplete_details: null,
      completed_at: null,
    };
    const events: SseEvent[] = [];
    const emit = (type: string, fields: object) =>
      events.push({ event: type, data: { type, sequence_number: events.length, ...fields } });
    emit('response.created', { response: pending });
    emit('response.in_progress', { response: pending });
    for (const [output_index, item] of items.entries()) {
      if (item.type === 'message') {
        const part = item.content[0];
        emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
        const at = { item_id: item.id, output_index, content_index: 0 };
        emit('response.content_part.added', { ...at, part: { ...part, text: '' } });
        for (const delta of textDeltas(part.text)) emit('response.output_text.delta', { ...at, delta, logprobs: [] });
        emit('response.output_text.done', { ...at, text: part.text, logprobs: [] });
        emit('response.content_part.done', { ...at, part });
      } else {
        emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
        for (const delta of argumentDeltas(item.arguments))
          emit('response.function_call_arguments.delta', { item_id: item.id, output_index, delta });
        emit('response.function_call_arguments.done', {
          item_id: item.id,
          output_index,
          name: item.name,
          arguments: item.arguments,
        });
      }
      emit('response.output_item.done', { output_index, item });
    }
    emit(reply.truncated ? 'response.incomplete' : 'response.completed', { response: done });
    return events;
  },
};

type OutputItem =
  | {
      type: 'message';
      id: string;
      status: string;
      role: 'assistant';
      content: Array<{ type: 'output_text'; text: string; annotations: []; logprobs: [] }>;
    }
  | { type: 'function_call'; id: string; status: string; call_id: string; name: string; arguments: string };

function outputItems(reply: ResolvedReply): OutputItem[] {
  const items: OutputItem[] = [];
  if (reply.text !== undefined || !reply.toolCalls?.length) {
    const text = reply.text ?? '';
    items.push({
      type: 'message',
      id: randomId('msg_'),
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    });
  }
  for (const c of reply.toolCalls ?? []) {
    items.push({
      type: 'function_call',
      id: randomId('fc_'),
      status: 'completed',
      call_id: c.id,
      name: c.name,
      arguments: c.argumentsJson,
    });
  }
  return items;
}

function finalResponse(body: Record<string, unknown>, reply: ResolvedReply, output: OutputItem[]) {
  const created = nowSeconds();
  return {
    id: randomId('resp_'),
    object: 'response',
    created_at: created,
    completed_at: reply.truncated ? null : created,
    status: reply.truncated ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: reply.truncated ? { reason: 'max_output_tokens' } : null,
    instructions: body['instructions'] ?? null,
    max_output_tokens: body['max_output_tokens'] ?? null,
    model: body['model'],
    output,
    parallel_tool_calls: true,
    previous_response_id: body['previous_response_id'] ?? null,
    reasoning: { effort: null, summary: null },
    store: body['store'] ?? true,
    temperature: body['temperature'] ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: body['tools'] ?? [],
    top_p: body['top_p'] ?? 1,
    truncation: 'disabled',
    usage: {
      input_tokens: reply.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: reply.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: reply.inputTokens + reply.outputTokens,
    },
    user: null,
    metadata: {},
  };
}
