import { throttleLatest } from './progress';

describe('throttleLatest', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the latest text at most once per interval, the first one at once', () => {
    const sent: string[] = [];
    const progress = throttleLatest((text) => sent.push(text), 100);
    progress.update('a');
    jest.advanceTimersByTime(0);
    progress.update('ab');
    progress.update('abc');
    jest.advanceTimersByTime(50);
    expect(sent).toEqual(['a']);
    jest.advanceTimersByTime(50);
    expect(sent).toEqual(['a', 'abc']);
  });

  it('drops what is pending when stopped: the whole reply follows anyway', () => {
    const sent: string[] = [];
    const progress = throttleLatest((text) => sent.push(text), 100);
    progress.update('a');
    jest.advanceTimersByTime(0);
    progress.update('ab');
    progress.stop();
    jest.advanceTimersByTime(500);
    expect(sent).toEqual(['a']);
  });
});
