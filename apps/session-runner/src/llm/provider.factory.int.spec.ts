import { startFakeAnthropic, startFakeOpenAI, type FakeLlm } from '@clawfleet/testing';
import type { ModelRequest } from './llm.port';
import { UnconfiguredProvider } from './openai.provider';
import { chainFromConfig, LlmConfig, llmConfigured, parseModelChain } from './llm.config';
import { llmFromConfig } from './provider.factory';

const request: ModelRequest = {
  model: 'from-the-request',
  instructions: 'Be brief.',
  history: [{ role: 'user', turnId: 't1', text: 'hello' }],
  tools: [],
  notes: [],
};

describe('parseModelChain', () => {
  it('reads kind:model pairs in order; model names may hold colons', () => {
    expect(
      parseModelChain(' openai:gpt-4o-mini, anthropic:claude-haiku-4-5 ,openai-responses:gpt-4.1,openai:llama3.1:8b'),
    ).toEqual([
      { kind: 'openai', model: 'gpt-4o-mini' },
      { kind: 'anthropic', model: 'claude-haiku-4-5' },
      { kind: 'openai-responses', model: 'gpt-4.1' },
      { kind: 'openai', model: 'llama3.1:8b' },
    ]);
    expect(parseModelChain('')).toEqual([]);
  });

  it.each(['gpt-4o-mini', 'gemini:flash', 'openai:'])('refuses %p', (text) => {
    expect(() => parseModelChain(text)).toThrow(/kind one of openai, openai-responses, anthropic/);
  });
});

describe('LlmConfig', () => {
  it('has defaults that keep the single-model setup of before', () => {
    expect(LlmConfig.parse({})).toMatchObject({
      MODEL_NAME: 'gpt-4o-mini',
      MODEL_CHAIN: [],
      MODEL_TIMEOUT_MS: 120_000,
      MODEL_MAX_RETRIES: 3,
      ANTHROPIC_MAX_TOKENS: 4096,
    });
  });

  it('refuses a malformed MODEL_CHAIN at start-up', () => {
    const result = LlmConfig.safeParse({ MODEL_CHAIN: 'openai:gpt-4o-mini,claude' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['MODEL_CHAIN'],
      message: expect.stringContaining('"claude"'),
    });
  });
});

describe('llmFromConfig', () => {
  let openai: FakeLlm;
  let anthropic: FakeLlm;
  const config = (env: Record<string, string>) =>
    LlmConfig.parse({ MODEL_MAX_RETRIES: '0', MODEL_TIMEOUT_MS: '2000', ...env });

  beforeEach(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
  });
  afterEach(async () => {
    await openai.close();
    await anthropic.close();
  });

  it('is UnconfiguredProvider when nothing is configured', async () => {
    const llm = llmFromConfig(config({}));
    expect(llm).toBeInstanceOf(UnconfiguredProvider);
    expect(llmConfigured(config({}))).toBe(false);
    await expect(llm.complete(request)).rejects.toMatchObject({ code: 'no-model' });
  });

  it('serves MODEL_NAME over Chat Completions from MODEL_BASE_URL, as before', async () => {
    const response = await llmFromConfig(config({ MODEL_BASE_URL: openai.url, MODEL_NAME: 'fake-model' })).complete(
      request,
    );
    expect(response.model).toBe('fake-model');
    expect(openai.requests).toMatchObject([{ api: 'chat.completions', model: 'fake-model' }]);
  });

  it('prefers OPENAI_* over MODEL_* for the openai kinds', () => {
    const parsed = config({ MODEL_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'sk-real' });
    expect(chainFromConfig(parsed)).toEqual([{ kind: 'openai', model: 'gpt-4o-mini' }]);
  });

  it('builds the MODEL_CHAIN with each provider at its own URL, failing over in order', async () => {
    const llm = llmFromConfig(
      config({
        MODEL_CHAIN: 'openai:gpt-4o-mini,anthropic:claude-haiku-4-5,openai-responses:gpt-4.1',
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_BASE_URL: anthropic.url,
        ANTHROPIC_API_KEY: 'sk-ant',
        ANTHROPIC_MAX_TOKENS: '1000',
      }),
    );
    openai.script({ model: 'gpt-4o-mini', error: { status: 503 } });
    expect((await llm.complete(request)).model).toBe('claude-haiku-4-5');
    expect(anthropic.requests[0]!.body.max_tokens).toBe(1000);

    openai.script({ model: 'gpt-4o-mini', error: { status: 503 } });
    anthropic.script({ error: { status: 529 } });
    expect((await llm.complete(request)).model).toBe('gpt-4.1');
    expect(openai.requests.at(-1)).toMatchObject({ api: 'responses', model: 'gpt-4.1' });
  });

  it('refuses at start-up a chain whose provider has no key or URL', () => {
    expect(() => llmFromConfig(config({ MODEL_CHAIN: 'anthropic:claude-haiku-4-5' }))).toThrow(/anthropic/);
  });
});
