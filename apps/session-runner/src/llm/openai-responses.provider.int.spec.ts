import { startFakeOpenAI, type FakeLlm } from '@clawfleet/testing';
import type { HistoryItem } from '../session/session.state';
import type { ModelRequest } from './llm.port';
import { OpenAIResponsesProvider } from './openai-responses.provider';

/** What reaches `POST /v1/responses`. The common behaviour is in the contract spec. */
describe('OpenAIResponsesProvider on the wire', () => {
  let fake: FakeLlm;
  let llm: OpenAIResponsesProvider;
  const history: HistoryItem[] = [
    { role: 'user', turnId: 't1', text: 'list files' },
    { role: 'assistant', text: 'Looking.', toolCalls: [{ id: 'call_1', name: 'bash', arguments: '{"command":"ls"}' }] },
    { role: 'tool', toolCallId: 'call_1', name: 'bash', content: 'a.txt' },
  ];
  const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
    model: 'gpt-4.1',
    instructions: 'Be brief.',
    history,
    tools: [{ name: 'bash', description: 'Runs a command.', parameters: { type: 'object', properties: {} } }],
    notes: ['Last call.'],
    ...extra,
  });

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test' });
    llm = new OpenAIResponsesProvider({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, timeoutMs: 2_000 });
  });
  afterEach(() => fake.close());

  it('sends instructions, the history as input items, notes as developer messages, and non-strict function tools', async () => {
    await llm.complete(request());
    expect(fake.requests[0]).toMatchObject({ api: 'responses', status: 200 });
    expect(fake.requests[0]!.body).toEqual({
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      store: false,
      input: [
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: 'Looking.' },
        { type: 'function_call', call_id: 'call_1', name: 'bash', arguments: '{"command":"ls"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' },
        { role: 'developer', content: 'Last call.' },
      ],
      tools: [
        {
          type: 'function',
          name: 'bash',
          description: 'Runs a command.',
          parameters: { type: 'object', properties: {} },
          strict: false,
        },
      ],
    });
  });

  it.each([
    ['without onDelta', undefined],
    ['streaming', () => undefined],
  ] as const)('reports completed, or why a response is incomplete (%s)', async (_mode, onDelta) => {
    fake.script({ text: 'done' }, { text: 'and th', truncated: true });
    expect((await llm.complete(request({ onDelta }))).finishReason).toBe('completed');
    expect(await llm.complete(request({ onDelta }))).toMatchObject({
      text: 'and th',
      finishReason: 'max_output_tokens',
    });
  });
});
