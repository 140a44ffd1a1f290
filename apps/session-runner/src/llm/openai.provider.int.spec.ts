import { startFakeOpenAI, type FakeLlm } from '@clawfleet/testing';
import type { HistoryItem } from '../session/session.state';
import type { ModelRequest } from './llm.port';
import { OpenAIChatProvider, UnconfiguredProvider } from './openai.provider';

/** What reaches `POST /v1/chat/completions`. The common behaviour is in the contract spec. */
describe('OpenAIChatProvider on the wire', () => {
  let fake: FakeLlm;
  let llm: OpenAIChatProvider;
  const history: HistoryItem[] = [
    { role: 'user', turnId: 't1', text: 'list files' },
    { role: 'assistant', text: '', toolCalls: [{ id: 'call_1', name: 'bash', arguments: '{"command": "ls' }] },
    { role: 'tool', toolCallId: 'call_1', name: 'bash', content: 'invalid arguments' },
  ];
  const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
    model: 'gpt-4o-mini',
    instructions: 'Be brief.',
    history,
    tools: [],
    notes: ['Last call.'],
    ...extra,
  });

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test' });
    llm = new OpenAIChatProvider({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, timeoutMs: 2_000 });
  });
  afterEach(() => fake.close());

  it('sends instructions first, notes last as system messages, and recorded arguments verbatim', async () => {
    await llm.complete(request());
    expect(fake.requests[0]!.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'list files' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command": "ls' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'invalid arguments' },
      { role: 'system', content: 'Last call.' },
    ]);
  });

  it('asks for usage when streaming, and assembles tool-call fragments by index', async () => {
    const long = { command: 'find /workspace -name "*.md" -newer notes.txt -print' };
    fake.script({
      toolCalls: [
        { id: 'call_x', name: 'bash', arguments: long },
        { id: 'call_y', name: 'bash', arguments: { command: 'pwd' } },
      ],
    });
    const response = await llm.complete(request({ onDelta: () => undefined }));
    expect(fake.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(response.toolCalls).toEqual([
      { id: 'call_x', name: 'bash', arguments: JSON.stringify(long) },
      { id: 'call_y', name: 'bash', arguments: '{"command":"pwd"}' },
    ]);
    expect(response).toMatchObject({ text: '', finishReason: 'tool_calls' });
    expect(response.usage.outputTokens).toBeGreaterThan(0);
  });

  it('stands in with UnconfiguredProvider when no model is set', async () => {
    await expect(new UnconfiguredProvider().complete()).rejects.toMatchObject({ retryable: false, code: 'no-model' });
  });
});
