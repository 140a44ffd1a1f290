import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai';

describe('fake OpenAI, driven by the real openai SDK', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test' });
    client = new OpenAI({ baseURL: fake.url, apiKey: 'sk-test', maxRetries: 0 });
  });
  afterEach(() => fake.close());

  describe('chat completions', () => {
    it('echoes the last user message when nothing is scripted', async () => {
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hello there' },
        ],
      });
      expect(completion.choices[0]?.message.content).toBe('echo: hello there');
      expect(completion.choices[0]?.finish_reason).toBe('stop');
      expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    });

    it('returns scripted tool calls, with arguments as a JSON string', async () => {
      fake.script({ toolCalls: [{ name: 'bash', arguments: { command: 'ls' }, id: 'call_1' }] });
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'list' }],
      });
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.tool_calls).toEqual([
        { id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } },
      ]);
    });

    it('streams text and tool call deltas that the SDK accumulates, with a usage chunk', async () => {
      fake.script({
        text: 'Let me look.',
        toolCalls: [
          { name: 'read_file', arguments: { path: '/workspace/a long file name.txt' } },
          { name: 'bash', arguments: 'not json{' },
        ],
      });
      const stream = client.chat.completions.stream({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'look' }],
        stream_options: { include_usage: true },
      });
      const deltas: string[] = [];
      stream.on('content', (delta) => deltas.push(delta));
      const final = await stream.finalChatCompletion();
      const message = final.choices[0]!.message;
      expect(deltas.length).toBeGreaterThan(1);
      expect(message.content).toBe('Let me look.');
      expect(message.tool_calls?.map((c) => c.type === 'function' && [c.function.name, c.function.arguments])).toEqual([
        ['read_file', '{"path":"/workspace/a long file name.txt"}'],
        ['bash', 'not json{'],
      ]);
      expect(final.choices[0]!.finish_reason).toBe('tool_calls');
      expect(final.usage?.completion_tokens).toBeGreaterThan(0);
    });

    it('streams raw chunks ending with [DONE] through create({ stream: true })', async () => {
      fake.script({ text: 'one two three', usage: { inputTokens: 7, outputTokens: 3 } });
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'count' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe('one two three');
      expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    });

    it('lets the SDK retry a 429 after retry-after, and logs both requests', async () => {
      fake.script({ error: { status: 429, retryAfter: 0.05 } }, { text: 'finally' });
      const retrying = new OpenAI({ baseURL: fake.url, apiKey: 'sk-test', maxRetries: 2 });
      const completion = await retrying.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(completion.choices[0]?.message.content).toBe('finally');
      expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
      expect(fake.requests[1]?.headers['x-stainless-retry-count']).toBe('1');
    });

    it('surfaces scripted errors in the OpenAI error shape', async () => {
      fake.script({ error: { status: 500, message: 'boom' } });
      await expect(
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      ).rejects.toMatchObject({
        status: 500,
        error: { message: 'boom', type: 'server_error' },
      });
    });

    it('refuses a wrong API key with the real 401 body', async () => {
      const wrong = new OpenAI({ baseURL: fake.url, apiKey: 'sk-wrong-key-123', maxRetries: 0 });
      await expect(
        wrong.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      ).rejects.toMatchObject({
        status: 401,
        code: 'invalid_api_key',
      });
    });

    it('refuses a tool call left without its result, as the real API does', async () => {
      const request = client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'list' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'bash', arguments: '{}' } }],
          },
          { role: 'user', content: 'and?' },
        ],
      });
      await expect(request).rejects.toMatchObject({ status: 400, message: expect.stringContaining('call_9') });
      expect(fake.pending()).toBe(0);
    });

    it('serves scripted entries only to the model they name', async () => {
      fake.script({ model: 'gpt-4.1', text: 'big' }, { text: 'any' });
      const ask = async (model: string) =>
        (await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'q' }] })).choices[0]
          ?.message.content;
      expect(await ask('gpt-4o-mini')).toBe('any');
      expect(await ask('gpt-4o-mini')).toBe('echo: q');
      expect(await ask('gpt-4.1')).toBe('big');
    });
  });

  describe('the request log', () => {
    it('records body, headers and model so a spec can prove a request was not sent again', async () => {
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'unique-marker-42' }],
      });
      const [request] = fake.requestsWhere({ containing: 'unique-marker-42' });
      expect(request).toMatchObject({
        api: 'chat.completions',
        model: 'gpt-4o-mini',
        stream: false,
        lastUserText: 'unique-marker-42',
        status: 200,
      });
      expect(request?.headers['authorization']).toBe('Bearer sk-test');
      expect(request?.body.messages).toHaveLength(1);
      expect(fake.requestsWhere({ model: 'gpt-4.1' })).toHaveLength(0);
    });

    it('waits for a request that hangs, and drops it on close', async () => {
      fake.script({ hang: true });
      const client = new OpenAI({ baseURL: fake.url, apiKey: 'sk-test', maxRetries: 0, timeout: 60_000 });
      const pending = client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'wait' }],
      });
      const outcome = pending.then(
        () => 'answered',
        () => 'failed',
      );
      await fake.waitForRequests(1);
      expect(fake.requests[0]?.status).toBeUndefined();
      await fake.close();
      await expect(outcome).resolves.toBe('failed');
    });
  });

  describe('latency, faults and default replies', () => {
    const ask = (c: OpenAI = client) =>
      c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'q' }] });

    it('delays the first byte by the configured latency', async () => {
      fake.setLatency(200);
      const started = Date.now();
      await ask();
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    });

    it('drops the connection mid-stream, or before any response', async () => {
      fake.script({ text: 'a b c d e f g h', cutAfterEvents: 3 }, { disconnect: true });
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'q' }],
        stream: true,
      });
      let received = '';
      const read = async () => {
        for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? '';
      };
      await expect(read()).rejects.toThrow();
      expect(received).toBe('a b ');
      await expect(ask()).rejects.toThrow(/Connection error/);
    });

    it('answers from a reply function, and marks a truncated answer', async () => {
      fake.setReply((r) => ({ text: `you said ${r.lastUserText}`, truncated: true }));
      const completion = await ask();
      expect(completion.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'you said q' } });
    });
  });

  describe('models and the Responses API', () => {
    it('lists models', async () => {
      const models = [];
      for await (const m of client.models.list()) models.push(m.id);
      expect(models).toContain('gpt-4o-mini');
    });

    it('answers responses.create with text and function calls', async () => {
      fake.script({ text: 'calling', toolCalls: [{ name: 'bash', arguments: { command: 'pwd' } }] });
      const response = await client.responses.create({ model: 'gpt-4.1', input: 'where am I?' });
      expect(response.output_text).toBe('calling');
      expect(response.output.find((o) => o.type === 'function_call')).toMatchObject({
        name: 'bash',
        arguments: '{"command":"pwd"}',
      });
    });

    it('streams a response the SDK ResponseStream accepts', async () => {
      fake.script({ text: 'streamed reply text', toolCalls: [{ name: 'bash', arguments: { command: 'pwd' } }] });
      const stream = client.responses.stream({ model: 'gpt-4.1', input: [{ role: 'user', content: 'go' }] });
      const types = new Set<string>();
      stream.on('event', (e) => types.add(e.type));
      const final = await stream.finalResponse();
      expect(final.output_text).toBe('streamed reply text');
      expect(final.output.find((o) => o.type === 'function_call')).toMatchObject({
        name: 'bash',
        arguments: '{"command":"pwd"}',
      });
      expect([...types]).toEqual(
        expect.arrayContaining([
          'response.created',
          'response.output_item.added',
          'response.output_text.delta',
          'response.output_item.done',
          'response.completed',
        ]),
      );
    });
  });
});
