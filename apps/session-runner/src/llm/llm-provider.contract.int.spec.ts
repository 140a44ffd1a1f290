import { startFakeAnthropic, startFakeOpenAI, type FakeLlm } from '@clawfleet/testing';
import type { HistoryItem } from '../session/session.state';
import { AnthropicProvider } from './anthropic.provider';
import { ModelError, type LlmProvider, type ModelRequest } from './llm.port';
import { OpenAIResponsesProvider } from './openai-responses.provider';
import { OpenAIChatProvider } from './openai.provider';

/**
 * One contract for every LlmProvider, run against fakes that speak each API's wire format, so the
 * real SDKs do the HTTP, the SSE parsing and the retries.
 */
interface Limits {
  readonly maxRetries: number;
  readonly timeoutMs: number;
}

const implementations: Array<[string, string, () => Promise<FakeLlm>, (fake: FakeLlm, limits: Limits) => LlmProvider]> =
  [
    [
      'OpenAIChatProvider',
      'gpt-4o-mini',
      () => startFakeOpenAI({ apiKey: 'sk-test' }),
      (f, l) => new OpenAIChatProvider({ apiKey: 'sk-test', baseURL: f.url, ...l }),
    ],
    [
      'OpenAIResponsesProvider',
      'gpt-4.1',
      () => startFakeOpenAI({ apiKey: 'sk-test' }),
      (f, l) => new OpenAIResponsesProvider({ apiKey: 'sk-test', baseURL: f.url, ...l }),
    ],
    [
      'AnthropicProvider',
      'claude-haiku-4-5',
      () => startFakeAnthropic({ apiKey: 'sk-ant' }),
      (f, l) => new AnthropicProvider({ apiKey: 'sk-ant', baseURL: f.url, ...l }),
    ],
  ];

const tools = [
  {
    name: 'bash',
    description: 'Runs a command.',
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
  {
    name: 'read_file',
    description: 'Reads a file.',
    parameters: { type: 'object', properties: { path: { type: 'string' } } },
  },
];

async function failure(promise: Promise<unknown>): Promise<ModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

describe.each(implementations)('%s (LlmProvider contract)', (_name, model, start, create) => {
  let fake: FakeLlm;
  let llm: LlmProvider;
  const history: HistoryItem[] = [{ role: 'user', turnId: 't1', text: 'What is in the workspace?' }];
  const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
    model,
    instructions: 'Be brief.',
    history,
    tools,
    notes: [],
    ...extra,
  });
  const modes = [
    ['without onDelta', undefined],
    ['streaming', () => undefined],
  ] as const;

  beforeEach(async () => {
    fake = await start();
    llm = create(fake, { maxRetries: 2, timeoutMs: 2_000 });
  });
  afterEach(() => fake.close());

  it('answers text with usage, the model and a finish reason, without streaming', async () => {
    fake.script({ text: 'Two files: a.txt and b.txt.', usage: { inputTokens: 31, outputTokens: 9 } });
    const response = await llm.complete(request());
    expect(response).toMatchObject({
      model,
      text: 'Two files: a.txt and b.txt.',
      toolCalls: [],
      usage: { inputTokens: 31, outputTokens: 9 },
    });
    expect(response.finishReason).toMatch(/\w/);
    expect(fake.requests[0]).toMatchObject({ model, stream: false, status: 200 });
  });

  it('streams: the deltas arrive in order and join to the final text', async () => {
    fake.script({ text: 'Two files: a.txt and b.txt, both empty.', usage: { inputTokens: 31, outputTokens: 12 } });
    const deltas: string[] = [];
    const response = await llm.complete(request({ onDelta: (d) => deltas.push(d) }));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe('Two files: a.txt and b.txt, both empty.');
    expect(response).toMatchObject({ model, text: deltas.join(''), usage: { inputTokens: 31, outputTokens: 12 } });
    expect(fake.requests[0]).toMatchObject({ stream: true, status: 200 });
  });

  it.each(modes)('returns tool calls with their ids and JSON arguments (%s)', async (_mode, onDelta) => {
    fake.script({
      text: 'Looking.',
      toolCalls: [
        { id: 'call_a1', name: 'bash', arguments: { command: 'ls -la /workspace' } },
        { id: 'call_b2', name: 'read_file', arguments: { path: 'notes.md' } },
      ],
    });
    const response = await llm.complete(request({ onDelta }));
    expect(response.text).toBe('Looking.');
    expect(response.toolCalls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([
      ['call_a1', 'bash', { command: 'ls -la /workspace' }],
      ['call_b2', 'read_file', { path: 'notes.md' }],
    ]);
  });

  it.each(modes)('sends tool calls and their results back in a form the API accepts (%s)', async (_mode, onDelta) => {
    fake.script(
      {
        toolCalls: [
          { name: 'bash', arguments: { command: 'ls' } },
          { name: 'read_file', arguments: { path: 'a.txt' } },
        ],
      },
      { text: 'a.txt says hi.' },
    );
    const first = await llm.complete(request({ onDelta }));
    const next: HistoryItem[] = [
      ...history,
      { role: 'assistant', text: first.text, toolCalls: first.toolCalls },
      ...first.toolCalls.map((c, i) => ({
        role: 'tool' as const,
        toolCallId: c.id,
        name: c.name,
        content: i === 0 ? 'a.txt' : 'hi',
      })),
    ];
    const second = await llm.complete(
      request({ history: next, onDelta, notes: ['You have 1 more model call(s) in this turn.'] }),
    );
    expect(second.text).toBe('a.txt says hi.');
    expect(fake.requests.map((r) => r.status)).toEqual([200, 200]); // the fake refuses an unpaired call or result with 400
    for (const call of first.toolCalls) expect(fake.requests[1]!.rawBody).toContain(call.id);
    expect(fake.requests[1]!.rawBody).toContain('1 more model call(s)');
  });

  it.each(modes)('waits out a 429 with retry-after and succeeds on the SDK retry (%s)', async (_mode, onDelta) => {
    fake.script({ error: { status: 429, retryAfter: 0.05 } }, { text: 'made it' });
    const response = await llm.complete(request({ onDelta }));
    expect(response.text).toBe('made it');
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(fake.requests[1]!.receivedAt - fake.requests[0]!.receivedAt).toBeGreaterThanOrEqual(40);
  });

  it('fails retryable once the SDK retries of 5xx are used up', async () => {
    fake.script(...[500, 503, 500, 200].map((status) => ({ error: { status, retryAfter: 0.01 } })));
    const error = await failure(llm.complete(request()));
    expect(error).toMatchObject({ retryable: true, code: 'model-unavailable' });
    expect(fake.requests).toHaveLength(3); // 1 + maxRetries
  });

  it.each([
    [400, 'model-rejected'],
    [401, 'model-auth'],
    [404, 'model-404'],
  ])('fails non-retryable on %d, without retrying', async (status, code) => {
    fake.script({ error: { status, message: 'no such thing' } });
    const error = await failure(llm.complete(request()));
    expect(error).toMatchObject({ retryable: false, code });
    expect(fake.requests).toHaveLength(1);
  });

  it('fails retryable when the server does not answer in time', async () => {
    llm = create(fake, { maxRetries: 0, timeoutMs: 200 });
    fake.script({ hang: true });
    expect(await failure(llm.complete(request()))).toMatchObject({ retryable: true });
  });

  it('fails retryable when the stream is cut mid-answer, after the deltas that did arrive', async () => {
    llm = create(fake, { maxRetries: 0, timeoutMs: 2_000 });
    fake.script({ text: 'one two three four five six seven eight', cutAfterEvents: 4 });
    const deltas: string[] = [];
    expect(await failure(llm.complete(request({ onDelta: (d) => deltas.push(d) })))).toMatchObject({ retryable: true });
    expect(deltas.join('').length).toBeLessThan('one two three four five six seven eight'.length);
  });

  it('fails non-retryable, as aborted, when the caller aborts', async () => {
    fake.script({ hang: true });
    const error = await failure(llm.complete(request({ signal: AbortSignal.timeout(100) })));
    expect(error).toMatchObject({ retryable: false, code: 'model-aborted' });
  });
});
