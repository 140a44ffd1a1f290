import { approxBytes } from './approx-bytes';

const history = (items: number, text: string) => ({
  status: 'idle',
  history: Array.from({ length: items }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', text, toolCalls: [] })),
  usage: { inputTokens: 10, outputTokens: 20 },
});

describe('the estimated size of a value', () => {
  it('grows with its text, two bytes a character outside Latin-1', () => {
    expect(approxBytes('x'.repeat(1_000)) - approxBytes('')).toBe(1_000);
    expect(approxBytes('ж'.repeat(1_000)) - approxBytes('')).toBe(2_000);
  });

  it('stays within a small factor of the JSON size for a conversation', () => {
    for (const [items, text] of [
      [10, 'short'],
      [500, 'a sentence of a normal reply, about this long. '.repeat(4)],
    ] as const) {
      const state = history(items, text);
      const ratio = approxBytes(state) / JSON.stringify(state).length;
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(4);
    }
  });

  it('of a state plus its next events is about the size of the state that folds them in', () => {
    const before = history(100, 'some text of a message');
    const event = { role: 'user', text: 'a new message of some length', toolCalls: [] };
    const after = { ...before, history: [...before.history, event] };
    const grown = approxBytes(before) + approxBytes(event);
    expect(Math.abs(grown - approxBytes(after)) / approxBytes(after)).toBeLessThan(0.05);
  });
});
