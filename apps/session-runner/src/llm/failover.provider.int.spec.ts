import { startFakeAnthropic, startFakeOpenAI, type FakeLlm } from '@clawfleet/testing';
import { AnthropicProvider } from './anthropic.provider';
import { FailoverProvider, type ChainEntry } from './failover.provider';
import { ModelError, type ModelRequest } from './llm.port';
import { OpenAIResponsesProvider } from './openai-responses.provider';
import { OpenAIChatProvider } from './openai.provider';

/** A chain over real SDKs and fakes: gpt-4o-mini (chat) → claude-haiku-4-5 → gpt-4.1 (responses). */
describe('FailoverProvider', () => {
  let openai: FakeLlm;
  let anthropic: FakeLlm;
  let chain: ChainEntry[];
  const limits = { maxRetries: 1, timeoutMs: 2_000 };
  const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
    model: 'ignored',
    instructions: 'Be brief.',
    history: [{ role: 'user', turnId: 't1', text: 'hello' }],
    tools: [],
    notes: [],
    ...extra,
  });
  const down = (status: number, model?: string) => ({ model, error: { status, retryAfter: 0.01 } });

  beforeEach(async () => {
    openai = await startFakeOpenAI({ apiKey: 'sk-test' });
    anthropic = await startFakeAnthropic({ apiKey: 'sk-ant' });
    const chat = new OpenAIChatProvider({ apiKey: 'sk-test', baseURL: openai.url, ...limits });
    chain = [
      { provider: chat, model: 'gpt-4o-mini' },
      {
        provider: new AnthropicProvider({ apiKey: 'sk-ant', baseURL: anthropic.url, ...limits }),
        model: 'claude-haiku-4-5',
      },
      {
        provider: new OpenAIResponsesProvider({ apiKey: 'sk-test', baseURL: openai.url, ...limits }),
        model: 'gpt-4.1',
      },
    ];
  });
  afterEach(async () => {
    await openai.close();
    await anthropic.close();
  });

  it('answers with the first model, whatever model the request named', async () => {
    const response = await new FailoverProvider(chain).complete(request());
    expect(response).toMatchObject({ model: 'gpt-4o-mini', text: 'echo: hello' });
    expect(anthropic.requests).toHaveLength(0);
  });

  it('moves to the next model once the SDK retries of the first are used up, and says which one answered', async () => {
    openai.script(down(503, 'gpt-4o-mini'), down(503, 'gpt-4o-mini'));
    const moves: string[] = [];
    const llm = new FailoverProvider(chain, (from, to, error) =>
      moves.push(`${from.model} → ${to.model} (${error.code})`),
    );
    const response = await llm.complete(request());
    expect(response).toMatchObject({ model: 'claude-haiku-4-5', text: 'echo: hello' });
    expect(openai.requestsWhere({ model: 'gpt-4o-mini' }).map((r) => r.status)).toEqual([503, 503]);
    expect(moves).toEqual(['gpt-4o-mini → claude-haiku-4-5 (model-unavailable)']);
  });

  it('moves past an overloaded Anthropic (529) and a model the server does not have (404)', async () => {
    openai.script(down(404, 'gpt-4o-mini'));
    anthropic.script(down(529), down(529));
    const response = await new FailoverProvider(chain).complete(request());
    expect(response.model).toBe('gpt-4.1');
    expect(openai.requestsWhere({ model: 'gpt-4.1' })).toMatchObject([{ api: 'responses', status: 200 }]);
  });

  it.each([
    [400, 'model-rejected'],
    [401, 'model-auth'],
  ])('stops at a non-retryable %d: the next model is not asked', async (status, code) => {
    openai.script(down(status, 'gpt-4o-mini'));
    const error = await new FailoverProvider(chain).complete(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ retryable: false, code });
    expect(anthropic.requests).toHaveLength(0);
    expect(openai.requests).toHaveLength(1);
  });

  it('fails with the last error, naming every model tried, when all are down', async () => {
    openai.script(down(503, 'gpt-4o-mini'), down(503, 'gpt-4o-mini'), down(500, 'gpt-4.1'), down(500, 'gpt-4.1'));
    anthropic.script(down(529), down(529));
    const error = (await new FailoverProvider(chain).complete(request()).catch((e: unknown) => e)) as ModelError;
    expect(error).toMatchObject({ retryable: true, code: 'model-unavailable' });
    expect(error.message).toMatch(/gpt-4o-mini: .*503.*claude-haiku-4-5: .*529.*gpt-4.1: .*500/);
  });

  it('streams from the model that answers when the first fails before any text', async () => {
    openai.script(down(503, 'gpt-4o-mini'), down(503, 'gpt-4o-mini'));
    anthropic.script({ text: 'Hello from the second model.' });
    const deltas: string[] = [];
    const response = await new FailoverProvider(chain).complete(request({ onDelta: (d) => deltas.push(d) }));
    expect(response).toMatchObject({ model: 'claude-haiku-4-5', text: 'Hello from the second model.' });
    expect(deltas.join('')).toBe(response.text);
  });

  it('does not fail over once text was streamed: another model could not take it back', async () => {
    openai.script({ model: 'gpt-4o-mini', text: 'one two three four five six', cutAfterEvents: 4 });
    const deltas: string[] = [];
    const error = await new FailoverProvider(chain)
      .complete(request({ onDelta: (d) => deltas.push(d) }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true });
    expect(deltas.length).toBeGreaterThan(0);
    expect(anthropic.requests).toHaveLength(0);
  });

  it('does not fail over when the caller aborts', async () => {
    openai.script({ model: 'gpt-4o-mini', hang: true });
    const error = await new FailoverProvider(chain)
      .complete(request({ signal: AbortSignal.timeout(100) }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, code: 'model-aborted' });
    expect(anthropic.requests).toHaveLength(0);
  });
});
