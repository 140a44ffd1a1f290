import Anthropic from '@anthropic-ai/sdk';
import { OutboundReady, topology, TurnFailed, type SessionEvent } from '@clawfleet/contracts';
import OpenAI from 'openai';
import { ModelError } from '../llm/llm.port';
import { toModelError } from '../llm/model-errors';
import { failureText } from './failure-texts';
import { evolve, initialState, type SessionState } from './session.state';
import type { RunningState } from './turn.effects';
import { failTurn } from './turn.outcomes';

const openai = (status: number, message: string, code?: string) =>
  OpenAI.APIError.generate(status, { error: { message, type: 'invalid_request_error', code } }, message, new Headers());
const anthropic = (status: number, message: string, type = 'invalid_request_error') =>
  Anthropic.APIError.generate(status, { type: 'error', error: { type, message } }, message, new Headers());

describe('a provider error', () => {
  it.each([
    [
      'OpenAI 429',
      openai(429, 'Rate limit reached for gpt-4o-mini in organization org-abc', 'rate_limit_exceeded'),
      'model-rate-limited',
      true,
    ],
    [
      'OpenAI 429 insufficient_quota',
      openai(429, 'You exceeded your current quota', 'insufficient_quota'),
      'model-quota',
      true,
    ],
    ['Anthropic 529', anthropic(529, 'Overloaded', 'overloaded_error'), 'model-unavailable', true],
    ['OpenAI 503', openai(503, 'The server is overloaded'), 'model-unavailable', true],
    ['a connection error', new OpenAI.APIConnectionError({ message: 'Connection error.' }), 'model-unavailable', true],
    ['a timeout', new OpenAI.APIConnectionTimeoutError(), 'model-timeout', true],
    ['Anthropic timeout', new Anthropic.APIConnectionTimeoutError(), 'model-timeout', true],
    ['OpenAI 401', openai(401, 'Incorrect API key provided: sk-ab***cd', 'invalid_api_key'), 'model-auth', false],
    ['Anthropic 403', anthropic(403, 'Your API key does not have permission', 'permission_error'), 'model-auth', false],
    [
      'OpenAI context length',
      openai(
        400,
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        'context_length_exceeded',
      ),
      'model-context-too-long',
      false,
    ],
    [
      'Anthropic prompt too long',
      anthropic(400, 'prompt is too long: 210000 tokens > 200000 maximum'),
      'model-context-too-long',
      false,
    ],
    [
      'a content filter',
      openai(400, 'Your request was rejected as a result of our safety system.', 'content_policy_violation'),
      'model-refused',
      false,
    ],
    ['OpenAI unknown model', openai(404, 'The model `gpt-9` does not exist', 'model_not_found'), 'model-404', false],
    ['another 400', openai(400, "Invalid value for 'temperature'"), 'model-rejected', false],
    ['a dropped stream', new Error('socket hang up'), 'model-unavailable', true],
  ])('%s is classified for the user', (_what, error, code, retryable) => {
    expect(toModelError(error)).toMatchObject({ code, retryable });
  });
});

describe('the text a user is sent for a failed turn', () => {
  it.each([
    ['model-rate-limited', /too many requests.*\/continue/],
    ['model-quota', /quota .* used up.*operator/],
    ['model-unavailable', /not reachable.*\/continue/],
    ['model-timeout', /too long to answer.*\/continue/],
    ['model-auth', /could not sign in.*operator/],
    ['model-context-too-long', /too long for the model.*\/new/],
    ['model-refused', /declined/],
    ['model-404', /\/model default/],
    ['model-rejected', /rejected/],
    ['model-error', /could not answer.*\/continue/],
    ['model-something-new', /could not answer.*\/continue/],
  ])('for %s is short, and never the provider text', (code, text) => {
    const reason = 'model request failed (500): upstream connect error req_8f2a9 org-123';
    const shown = failureText({ code, reason });
    expect(shown).toMatch(text);
    expect(shown).not.toContain('req_8f2a9');
    expect(shown.length).toBeLessThan(160);
  });

  it("is the platform's own reason for failures it wrote itself", () => {
    const reason = 'The agent used all 4 model calls allowed for one turn without finishing.';
    expect(failureText({ code: 'round-limit', reason })).toBe(reason);
    expect(failureText({ code: 'budget-exhausted', reason: 'The monthly token budget is used up.' })).toBe(
      'The monthly token budget is used up.',
    );
  });
});

describe('failTurn', () => {
  const sessionId = '01936b2e-0000-7000-8000-000000000001';
  const turnId = '01936b2e-0000-7000-8000-0000000000a1';
  const chat = { channel: 'http' as const, chatId: 'alice' };
  const given = (...events: SessionEvent[]) => events.reduce<SessionState>(evolve, initialState) as RunningState;
  const running = given(
    { type: 'SessionStarted', data: { sessionId, agentId: 'default', chat } },
    {
      type: 'UserMessageAdded',
      data: {
        turnId,
        seq: 1,
        messageId: 'm1',
        text: 'hi',
        sender: { id: 'alice' },
        source: 'user',
        correlationId: 'c1',
      },
    },
    { type: 'TurnStarted', data: { turnId } },
  );

  it('when the provider fails: records the full reason, sends the short text, and keeps both', () => {
    const error = toModelError(openai(429, 'Rate limit reached for gpt-4o-mini in organization org-abc on tokens'));
    const failure = { code: error.code, reason: error.message, retryable: error.retryable };
    const { events, outbox } = failTurn(running, 'default', topology(), failure);
    const text = failureText(failure);
    expect(events).toEqual([
      {
        type: 'TurnFailed',
        data: expect.objectContaining({
          code: 'model-rate-limited',
          reason: expect.stringMatching(/org-abc/),
          retryable: true,
          text,
        }),
      },
    ]);
    const [reply, fact] = outbox.map((m) => JSON.parse(m.payload) as { data: Record<string, unknown> });
    expect(OutboundReady.data.parse(reply!.data)).toMatchObject({ kind: 'error', text });
    expect(TurnFailed.data.parse(fact!.data)).toMatchObject({
      code: 'model-rate-limited',
      reason: expect.stringMatching(/org-abc/),
    });
  });

  it('when the provider error text cannot be stored: sanitises it, whole and cut', () => {
    const reason = `model request failed (400): bad\u0000byte ${'😀'.repeat(999)}x\ud800`;
    const failure = { code: 'model-rejected', reason, retryable: false };
    const { events, outbox } = failTurn(running, 'default', topology(), failure);
    expect((events[0]!.data as { reason: string }).reason).toMatch(/^model request failed \(400\): bad\ufffdbyte 😀/);
    expect((events[0]!.data as { reason: string }).reason.endsWith('x\ufffd')).toBe(true);
    // The fact carries 2,000 characters at most, cut between two halves of an emoji: never half of one.
    const fact = JSON.parse(outbox[1]!.payload) as { data: { reason: string } };
    expect(TurnFailed.data.safeParse(fact.data).success).toBe(true);
  });

  it('is a ModelError with the code the text is chosen by', () => {
    expect(new ModelError('x', true)).toMatchObject({ code: 'model-unavailable' });
  });
});
