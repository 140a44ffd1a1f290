import { historyTokens, type HistoryItem } from './session.state';

/** What historyTokens estimates, measured from scratch. */
const fromScratch = (history: readonly HistoryItem[]) =>
  Math.ceil(
    history.reduce(
      (n, item) =>
        n +
        (item.role === 'assistant'
          ? item.text.length + JSON.stringify(item.toolCalls).length
          : item.role === 'user'
            ? item.text.length
            : item.content.length),
      0,
    ) / 4,
  );

const user = (text: string): HistoryItem => ({ role: 'user', turnId: `t-${text}`, text });
const assistant = (text: string): HistoryItem => ({
  role: 'assistant',
  text,
  toolCalls: [{ id: 'c', name: 'get_time', arguments: '{}' }],
});

describe('historyTokens', () => {
  it('counts a growing history as if measured from scratch each time, as it grows, is compacted and cut', () => {
    let history: readonly HistoryItem[] = [];
    for (let i = 0; i < 50; i++) {
      history = [...history, user(`question number ${i}`), assistant('x'.repeat(i * 7))];
      expect(historyTokens(history)).toBe(fromScratch(history));
    }
    // A second branch from an earlier prefix (the same items, then others): measured on its own.
    const branch = [...history.slice(0, 20), user('another way')];
    expect(historyTokens(branch)).toBe(fromScratch(branch));
    expect(historyTokens(history.slice(0, 31))).toBe(fromScratch(history.slice(0, 31)));
    const longer = [...history, { role: 'tool', toolCallId: 'c', name: 'get_time', content: 'now' } as HistoryItem];
    expect(historyTokens(longer)).toBe(fromScratch(longer));
    // A compaction puts a summary first: a new history.
    const compacted = [user('Summary of the earlier conversation: ...'), ...history.slice(60)];
    expect(historyTokens(compacted)).toBe(fromScratch(compacted));
    expect(historyTokens([])).toBe(0);
    // Two histories from one start that part ways: the longer is not taken for a continuation.
    const start = user('hello');
    const one = [start, assistant('a'), user('b'), assistant('c')];
    expect(historyTokens(one)).toBe(fromScratch(one));
    const other = [start, assistant('a'), user('a much longer question than b'), assistant('cc'), user('and on')];
    expect(historyTokens(other)).toBe(fromScratch(other));
  });
});
