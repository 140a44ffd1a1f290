import type { SessionEvent } from '@clawfleet/contracts';
import { evolve, initialState, type SessionState } from './session.state';
import { statusText, usageText } from './turn.outcomes';

const sessionId = '0193d000-0000-7000-8000-000000000001';
const responded = (model: string, inputTokens: number, outputTokens: number): SessionEvent => ({
  type: 'ModelResponded',
  data: {
    turnId: 't1',
    round: 1,
    model,
    text: 'x',
    toolCalls: [],
    usage: { inputTokens, outputTokens },
    finishReason: 'stop',
    latencyMs: 1,
  },
});
const session = (...events: SessionEvent[]) =>
  [
    {
      type: 'SessionStarted',
      data: { sessionId, agentId: 'writer', chat: { channel: 'http', chatId: 'a' } },
    } as SessionEvent,
    {
      type: 'UserMessageAdded',
      data: {
        turnId: 't1',
        seq: 1,
        messageId: 'm1',
        text: 'hi',
        sender: { id: 'a' },
        source: 'user',
        correlationId: 'c',
      },
    } as SessionEvent,
    { type: 'TurnStarted', data: { turnId: 't1' } } as SessionEvent,
    ...events,
  ].reduce<SessionState>(evolve, initialState) as Exclude<SessionState, { status: 'empty' }>;

describe('/usage', () => {
  it('prices each model with MODEL_PRICES (USD per million tokens)', () => {
    const state = session(responded('small', 1_000_000, 100_000), responded('big', 10_000, 2_000));
    const prices = { small: { input: 0.15, output: 0.6 }, big: { input: 10, output: 30 } };
    // 0.15 + 0.06 + 0.1 + 0.06 = 0.37
    expect(usageText(state, { small: { inputTokens: 2_000_000, outputTokens: 0, calls: 4 } }, prices)).toBe(
      'This session: 1,010,000 tokens in, 102,000 out, 2 model call(s), $0.3700. Agent writer today (UTC): 2,000,000 tokens in, 0 out, 4 model call(s), $0.3000.',
    );
  });

  it('says which models have no price, and when the agent’s day cannot be read', () => {
    const state = session(responded('small', 10, 5), responded('mystery', 1, 1));
    expect(usageText(state, undefined, { small: { input: 1, output: 1 } })).toBe(
      'This session: 11 tokens in, 6 out, 2 model call(s); no price for mystery (MODEL_PRICES). Agent writer today (UTC): unavailable right now.',
    );
    expect(usageText(session(), {}, {})).toBe(
      'This session: 0 tokens in, 0 out, 0 model call(s). Agent writer today (UTC): 0 tokens in, 0 out, 0 model call(s).',
    );
  });
});

describe('/status', () => {
  it('shows the running turn, the usage, the model, the agent and its version, the session', () => {
    expect(statusText(session(responded('small', 10, 5)), { version: 3, defaultModel: 'small' })).toBe(
      `Working on a turn (1 model call(s) and 0 tool call(s) done). Turns: 0. Tokens: 10 in, 5 out. Model: small. Agent: writer (version 3). Session: ${sessionId}.`,
    );
    expect(statusText(session(), undefined)).toMatch(/Model: unavailable\. Agent: writer\. Session: /);
  });
});
