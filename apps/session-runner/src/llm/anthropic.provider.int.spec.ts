import { startFakeAnthropic, type FakeLlm } from '@clawfleet/testing';
import type { HistoryItem } from '../session/session.state';
import { AnthropicProvider } from './anthropic.provider';
import type { ModelRequest } from './llm.port';

/** What reaches the Messages API: the shapes the real API insists on. The common behaviour is in the contract spec. */
describe('AnthropicProvider on the wire', () => {
  let fake: FakeLlm;
  let llm: AnthropicProvider;
  const model = 'claude-haiku-4-5';
  const request = (history: HistoryItem[], extra: Partial<ModelRequest> = {}): ModelRequest => ({
    model,
    instructions: 'You are terse.',
    history,
    tools: [],
    notes: [],
    ...extra,
  });
  const sent = (i = 0) => fake.requests[i]!.body;

  beforeEach(async () => {
    fake = await startFakeAnthropic({ apiKey: 'sk-ant' });
    llm = new AnthropicProvider({ apiKey: 'sk-ant', baseURL: fake.url, maxRetries: 0, timeoutMs: 2_000 });
  });
  afterEach(() => fake.close());

  it('sends the instructions as system, max_tokens 4096 by default, and tools with input_schema', async () => {
    const parameters = { type: 'object', properties: { command: { type: 'string' } } };
    await llm.complete(
      request([{ role: 'user', turnId: 't1', text: 'hi' }], {
        tools: [{ name: 'bash', description: 'Runs.', parameters }],
      }),
    );
    expect(sent()).toMatchObject({
      model,
      system: 'You are terse.',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      tools: [{ name: 'bash', description: 'Runs.', input_schema: parameters }],
    });
  });

  it('uses the configured max_tokens', async () => {
    llm = new AnthropicProvider({
      apiKey: 'sk-ant',
      baseURL: fake.url,
      maxRetries: 0,
      timeoutMs: 2_000,
      maxTokens: 512,
    });
    await llm.complete(request([{ role: 'user', turnId: 't1', text: 'hi' }]));
    expect(sent().max_tokens).toBe(512);
  });

  it('merges consecutive same-role items, puts tool results in one user message and notes after them', async () => {
    const history: HistoryItem[] = [
      { role: 'user', turnId: 't1', text: 'first' },
      { role: 'user', turnId: 't2', text: 'second' },
      {
        role: 'assistant',
        text: 'On it.',
        toolCalls: [{ id: 'toolu_1', name: 'bash', arguments: '{"command":"ls"}' }],
      },
      { role: 'assistant', text: '', toolCalls: [{ id: 'toolu_2', name: 'bash', arguments: '{"command":"pwd"}' }] },
      { role: 'tool', toolCallId: 'toolu_1', name: 'bash', content: 'a.txt' },
      { role: 'tool', toolCallId: 'toolu_2', name: 'bash', content: '' },
    ];
    await llm.complete(request(history, { notes: ['Wrap up now.'] }));
    expect(fake.requests[0]!.status).toBe(200);
    expect(sent().messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'On it.' },
          { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } },
          { type: 'tool_use', id: 'toolu_2', name: 'bash', input: { command: 'pwd' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' },
          { type: 'tool_result', tool_use_id: 'toolu_2' },
          { type: 'text', text: 'Wrap up now.' },
        ],
      },
    ]);
  });

  it('sends recorded arguments that are not a JSON object as {} and keeps their text', async () => {
    const history: HistoryItem[] = [
      { role: 'user', turnId: 't1', text: 'go' },
      { role: 'assistant', text: '', toolCalls: [{ id: 'toolu_bad', name: 'bash', arguments: '{"command": "ls' }] },
      { role: 'tool', toolCallId: 'toolu_bad', name: 'bash', content: 'invalid arguments' },
    ];
    const response = await llm.complete(request(history));
    expect(fake.requests[0]!.status).toBe(200);
    expect(sent().messages[1].content).toEqual([
      { type: 'text', text: expect.stringContaining('{"command": "ls') },
      { type: 'tool_use', id: 'toolu_bad', name: 'bash', input: {} },
    ]);
    expect(response.text).toBe('echo: go');
  });

  it.each([
    ['a normal answer', { text: 'done' }, 'end_turn'],
    ['tool calls', { toolCalls: [{ name: 'bash', arguments: { command: 'ls' } }] }, 'tool_use'],
    ['a cut-off answer', { text: 'and then', truncated: true }, 'max_tokens'],
  ])('reports the stop_reason as finishReason for %s', async (_case, reply, finishReason) => {
    fake.script(reply, reply);
    const history: HistoryItem[] = [{ role: 'user', turnId: 't1', text: 'go' }];
    expect((await llm.complete(request(history))).finishReason).toBe(finishReason);
    expect((await llm.complete(request(history, { onDelta: () => undefined }))).finishReason).toBe(finishReason);
  });

  it('joins the text blocks around tool calls into one text, also when streamed', async () => {
    fake.script({ text: 'Let me check.', toolCalls: [{ name: 'bash', arguments: {} }] });
    const deltas: string[] = [];
    const response = await llm.complete(
      request([{ role: 'user', turnId: 't1', text: 'go' }], { onDelta: (d) => deltas.push(d) }),
    );
    expect(response).toMatchObject({ text: 'Let me check.', toolCalls: [{ name: 'bash', arguments: '{}' }] });
    expect(deltas.join('')).toBe('Let me check.');
  });

  it('fails over-loaded (529) as retryable', async () => {
    fake.script({ error: { status: 529 } });
    await expect(llm.complete(request([{ role: 'user', turnId: 't1', text: 'go' }]))).rejects.toMatchObject({
      retryable: true,
      code: 'model-unavailable',
    });
  });
});
