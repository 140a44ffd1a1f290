import type { CompletionEndpoint, ResolvedReply, SseEvent } from './dialect';
import { argumentDeltas, textDeltas } from './script';
import { contentText, isRecord, randomId } from './util';

/** OpenAI `POST /v1/chat/completions`, non-streaming and streaming, shaped as the real API answers. */
export const chatCompletions: CompletionEndpoint = {
  kind: 'completion',
  api: 'chat.completions',
  validate: validateChat,
  isStream: (body) => body['stream'] === true,
  lastUserText(body) {
    const messages = Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
    for (const m of messages.toReversed()) {
      const text = m['role'] === 'user' ? contentText(m['content'], ['text']) : undefined;
      if (text !== undefined) return text;
    }
    return undefined;
  },
  respond(body, reply) {
    return {
      id: randomId('chatcmpl-'),
      object: 'chat.completion',
      created: nowSeconds(),
      model: body['model'],
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.text ?? (reply.toolCalls?.length ? null : ''),
            refusal: null,
            annotations: [],
            ...(reply.toolCalls?.length
              ? {
                  tool_calls: reply.toolCalls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: c.argumentsJson },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: finishReason(reply),
        },
      ],
      usage: usage(reply),
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    };
  },
  stream(body, reply) {
    const includeUsage = isRecord(body['stream_options']) && body['stream_options']['include_usage'] === true;
    const base = {
      id: randomId('chatcmpl-'),
      object: 'chat.completion.chunk',
      created: nowSeconds(),
      model: body['model'],
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    };
    // With include_usage every chunk carries `usage: null` and one last chunk with no choices carries the totals.
    const chunk = (delta: object, finish: string | null = null): SseEvent => ({
      data: {
        ...base,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(includeUsage ? { usage: null } : {}),
      },
    });
    const events: SseEvent[] = [
      chunk({
        role: 'assistant',
        content: reply.text === undefined && reply.toolCalls?.length ? null : '',
        refusal: null,
      }),
    ];
    for (const d of textDeltas(reply.text ?? '')) events.push(chunk({ content: d }));
    for (const [index, call] of (reply.toolCalls ?? []).entries()) {
      events.push(
        chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
      );
      for (const fragment of argumentDeltas(call.argumentsJson))
        events.push(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
    events.push(chunk({}, finishReason(reply)));
    if (includeUsage) events.push({ data: { ...base, choices: [], usage: usage(reply) } });
    events.push({ data: '[DONE]' });
    return events;
  },
};

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** The checks of the real API that catch client bugs: above all a tool call left without its result. */
function validateChat(body: Record<string, unknown>): string | undefined {
  if (typeof body['model'] !== 'string') return 'you must provide a model parameter';
  const messages = body['messages'];
  if (!Array.isArray(messages)) return "Missing required parameter: 'messages'.";
  if (messages.length === 0)
    return "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.";
  let open: string[] = [];
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m) || !ROLES.has(String(m['role']))) return `Invalid value for 'messages[${i}].role'.`;
    if (m['role'] === 'tool') {
      if (!open.includes(String(m['tool_call_id'])))
        return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
      open = open.filter((id) => id !== m['tool_call_id']);
      continue;
    }
    if (open.length) return unanswered(open);
    if (m['role'] === 'assistant' && Array.isArray(m['tool_calls'])) {
      for (const [j, c] of m['tool_calls'].entries()) {
        if (!isRecord(c) || typeof c['id'] !== 'string')
          return `Missing required parameter: 'messages[${i}].tool_calls[${j}].id'.`;
        if (!isRecord(c['function']) || typeof c['function']['arguments'] !== 'string')
          return `Invalid type for 'messages[${i}].tool_calls[${j}].function.arguments': expected a string.`;
      }
      open = m['tool_calls'].map((c: Record<string, unknown>) => String(c['id']));
    }
  }
  if (open.length) return unanswered(open);
  const tools = Array.isArray(body['tools']) ? body['tools'] : [];
  for (const [i, t] of tools.entries()) {
    const name = isRecord(t) && isRecord(t['function']) ? t['function']['name'] : undefined;
    if (typeof name !== 'string' || !TOOL_NAME.test(name))
      return `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`;
  }
  return undefined;
}

function unanswered(ids: string[]): string {
  return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${ids.join(', ')}`;
}

function finishReason(reply: ResolvedReply): string {
  if (reply.truncated) return 'length';
  return reply.toolCalls?.length ? 'tool_calls' : 'stop';
}

function usage(reply: ResolvedReply) {
  return {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
