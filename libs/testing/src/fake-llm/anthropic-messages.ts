import type { CompletionEndpoint, ResolvedReply, SseEvent } from './dialect';
import { argumentDeltas, textDeltas } from './script';
import { contentText, isRecord, randomId } from './util';

/** Anthropic `POST /v1/messages`, non-streaming and streaming, with the SSE events the SDK's MessageStream expects. */
export const messages: CompletionEndpoint = {
  kind: 'completion',
  api: 'messages',
  validate: validateMessages,
  isStream: (body) => body['stream'] === true,
  lastUserText(body) {
    const list = Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
    for (const m of list.toReversed()) {
      const text = m['role'] === 'user' ? contentText(m['content'], ['text']) : undefined;
      if (text !== undefined) return text;
    }
    return undefined;
  },
  respond(body, reply) {
    return { ...message(body, reply), content: blocks(reply), stop_reason: stopReason(reply) };
  },
  stream(body, reply) {
    const events: SseEvent[] = [];
    const emit = (type: string, fields: object = {}) => events.push({ event: type, data: { type, ...fields } });
    emit('message_start', { message: { ...message(body, reply), usage: { ...usage(reply), output_tokens: 1 } } });
    for (const [index, block] of blocks(reply).entries()) {
      if (block.type === 'text') {
        emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
        if (index === 0) emit('ping'); // the real API pings right after the first block starts
        for (const text of textDeltas(block.text))
          emit('content_block_delta', { index, delta: { type: 'text_delta', text } });
      } else {
        emit('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        if (index === 0) emit('ping');
        const json = reply.toolCalls?.find((c) => c.id === block.id)?.argumentsJson ?? '';
        for (const partial_json of ['', ...argumentDeltas(json)])
          emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
      }
      emit('content_block_stop', { index });
    }
    emit('message_delta', {
      delta: { stop_reason: stopReason(reply), stop_sequence: null },
      usage: { output_tokens: reply.outputTokens },
    });
    emit('message_stop');
    return events;
  },
};

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

/** Text first, then tool_use blocks. Unparseable scripted arguments are passed through as the raw string. */
function blocks(reply: ResolvedReply): Block[] {
  const out: Block[] = [];
  if (reply.text !== undefined || !reply.toolCalls?.length) out.push({ type: 'text', text: reply.text ?? '' });
  for (const c of reply.toolCalls ?? []) out.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments });
  return out;
}

function message(body: Record<string, unknown>, reply: ResolvedReply) {
  return {
    id: randomId('msg_01'),
    type: 'message',
    role: 'assistant',
    model: body['model'],
    content: [] as Block[],
    stop_reason: null as string | null,
    stop_sequence: null,
    usage: usage(reply),
  };
}

function usage(reply: ResolvedReply) {
  return {
    input_tokens: reply.inputTokens,
    output_tokens: reply.outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    service_tier: 'standard',
  };
}

function stopReason(reply: ResolvedReply): string {
  if (reply.truncated) return 'max_tokens';
  return reply.toolCalls?.length ? 'tool_use' : 'end_turn';
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** The checks of the real API that catch client bugs: above all a tool_use left without its tool_result. */
function validateMessages(body: Record<string, unknown>): string | undefined {
  if (typeof body['model'] !== 'string') return 'model: Field required';
  if (typeof body['max_tokens'] !== 'number') return 'max_tokens: Field required';
  const list = body['messages'];
  if (!Array.isArray(list)) return 'messages: Field required';
  if (list.length === 0) return 'messages: at least one message is required';
  let previousToolUses: string[] = [];
  for (const [i, m] of list.entries()) {
    if (!isRecord(m) || (m['role'] !== 'user' && m['role'] !== 'assistant'))
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const content = Array.isArray(m['content']) ? m['content'].filter(isRecord) : [];
    const results =
      m['role'] === 'user'
        ? content.filter((b) => b['type'] === 'tool_result').map((b) => String(b['tool_use_id']))
        : [];
    const missing = previousToolUses.filter((id) => !results.includes(id));
    if (missing.length)
      return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    const unexpected = results.find((id) => !previousToolUses.includes(id));
    if (unexpected)
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    previousToolUses =
      m['role'] === 'assistant' ? content.filter((b) => b['type'] === 'tool_use').map((b) => String(b['id'])) : [];
    const empty = m['content'] === '' || (Array.isArray(m['content']) && m['content'].length === 0);
    if (empty && !(i === list.length - 1 && m['role'] === 'assistant'))
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
  }
  if (previousToolUses.length)
    return `messages.${list.length}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${previousToolUses.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
  const tools = Array.isArray(body['tools']) ? body['tools'] : [];
  for (const [i, t] of tools.entries()) {
    if (!isRecord(t) || typeof t['name'] !== 'string' || !TOOL_NAME.test(t['name']))
      return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
  }
  return undefined;
}
