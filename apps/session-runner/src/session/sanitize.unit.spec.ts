import { storableTextProblem } from '@clawfleet/contracts';
import { sanitizeResponse, sanitizeToolResult } from './sanitize';

const response = (text: string, args = '{}') => ({
  model: 'm',
  text,
  toolCalls: [{ id: 'call_1', name: 'get_time', arguments: args }],
  usage: { inputTokens: 1, outputTokens: 1 },
  finishReason: 'stop',
});

describe('a model response', () => {
  it('with storable text is returned as it is, with nothing noted', () => {
    const ok = response('fine 😀');
    expect(sanitizeResponse(ok)).toBe(ok);
  });

  it('with NUL in its text and a lone surrogate in tool arguments is made storable, and counted', () => {
    const clean = sanitizeResponse(response('hi\u0000there', '{"timeZone":"\ud800"}'));
    expect(clean).toMatchObject({ text: 'hi\ufffdthere', sanitized: 2 });
    expect(clean.toolCalls[0]!.arguments).toBe('{"timeZone":"\ufffd"}');
    expect(storableTextProblem(JSON.stringify(clean))).toBeUndefined();
  });
});

describe('a tool result', () => {
  it('with storable content is returned as it is', () => {
    const ok = { status: 'ok' as const, content: 'fine' };
    expect(sanitizeToolResult(ok)).toBe(ok);
  });

  it('with NUL bytes in its output gets them replaced and a note the model reads', () => {
    const clean = sanitizeToolResult({
      status: 'error' as const,
      content: 'get_time failed: unknown time zone "a\u0000b"',
    });
    expect(clean.content).toMatch(
      /^get_time failed: unknown time zone "a\ufffdb"\n\[1 character\(s\) that cannot be stored/,
    );
  });

  it('that suspends the turn with an unstorable question is made storable', () => {
    expect(sanitizeToolResult({ suspend: true as const, reason: 'waiting', question: 'ok\udc00?' })).toEqual({
      suspend: true,
      reason: 'waiting',
      question: 'ok\ufffd?',
    });
  });
});
