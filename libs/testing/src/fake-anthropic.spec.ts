import Anthropic from '@anthropic-ai/sdk';
import { startFakeAnthropic, type FakeAnthropic } from './fake-anthropic';

describe('fake Anthropic, driven by the real @anthropic-ai/sdk', () => {
  let fake: FakeAnthropic;
  let client: Anthropic;
  const model = 'claude-haiku-4-5';

  beforeEach(async () => {
    fake = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
    client = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-test', maxRetries: 0 });
  });
  afterEach(() => fake.close());

  it('answers messages.create with an echo by default', async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'echo: ping' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });

  it('returns tool_use blocks with parsed input', async () => {
    fake.script({ text: 'Checking.', toolCalls: [{ name: 'bash', arguments: { command: 'ls' }, id: 'toolu_1' }] });
    const message = await client.messages.create({
      model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'list' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } },
    ]);
  });

  it('streams text and input_json deltas that messages.stream accumulates', async () => {
    fake.script({
      text: 'Reading the file now.',
      toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/notes.md', limit: 20 } }],
    });
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'read' }] });
    const texts: string[] = [];
    stream.on('text', (delta) => texts.push(delta));
    const final = await stream.finalMessage();
    expect(texts.join('')).toBe('Reading the file now.');
    expect(texts.length).toBeGreaterThan(1);
    expect(final.content[1]).toMatchObject({
      type: 'tool_use',
      name: 'read_file',
      input: { path: '/workspace/notes.md', limit: 20 },
    });
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage.output_tokens).toBeGreaterThan(1);
  });

  it('emits the raw SSE event sequence of the real API', async () => {
    fake.script({ text: 'hi' });
    const stream = await client.messages.create({
      model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('lets the SDK retry a 529 overloaded and a 429 with retry-after', async () => {
    fake.script({ error: { status: 529 } }, { error: { status: 429, retryAfter: 0.05 } }, { text: 'made it' });
    const retrying = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-test', maxRetries: 3 });
    const message = await retrying.messages.create({
      model,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'made it' }]);
    expect(fake.requests.map((r) => r.status)).toEqual([529, 429, 200]);
  });

  it('reports errors in the Anthropic error shape', async () => {
    fake.script({ error: { status: 529 } });
    await expect(
      client.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({
      status: 529,
      error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
  });

  it('refuses a wrong key, and a tool_use without its tool_result', async () => {
    const wrong = new Anthropic({ baseURL: fake.url, apiKey: 'nope', maxRetries: 0 });
    await expect(
      wrong.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 401 });
    const orphan = client.messages.create({
      model,
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'list' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'bash', input: {} }] },
        { role: 'user', content: 'well?' },
      ],
    });
    await expect(orphan).rejects.toMatchObject({ status: 400, message: expect.stringContaining('toolu_9') });
  });

  it('logs requests with their auth and anthropic-version headers', async () => {
    await client.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'logged' }] });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ api: 'messages', model, lastUserText: 'logged' });
    // This SDK version sends the API key as a bearer token; older ones used x-api-key (both are accepted).
    const { authorization, 'x-api-key': apiKey, 'anthropic-version': version } = fake.requests[0]!.headers;
    expect(authorization === 'Bearer sk-ant-test' || apiKey === 'sk-ant-test').toBe(true);
    expect(version).toEqual(expect.any(String));
  });
});
