import { withContext } from './pending-context';

describe('withContext', () => {
  it('leaves a message without context as it is', () => {
    expect(withContext([], 'hello', 100)).toBe('hello');
  });

  it('puts the kept messages before the text, oldest first', () => {
    expect(
      withContext(
        [
          { sender: 'Ann', text: 'a' },
          { sender: 'Bob', text: 'b' },
        ],
        'q?',
        1_000,
      ),
    ).toBe('Earlier messages in this chat, for context:\nAnn: a\nBob: b\n\nq?');
  });

  it('drops the oldest context first to stay within the limit, never the message', () => {
    const out = withContext(
      [
        { sender: 'Ann', text: 'x'.repeat(500) },
        { sender: 'Bob', text: 'recent' },
      ],
      'the question',
      60,
    );
    expect(out.length).toBeLessThanOrEqual(60);
    expect(out.endsWith('Bob: recent\n\nthe question')).toBe(true);
  });
});
