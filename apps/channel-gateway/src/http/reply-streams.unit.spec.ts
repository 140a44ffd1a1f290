import { TooManyRequestsError } from '@clawfleet/platform';
import { ReplyStreams } from './reply-streams';

describe('reply stream limits', () => {
  const refused = (open: () => unknown) => {
    try {
      open();
    } catch (error) {
      return error instanceof TooManyRequestsError ? `${error.message} (${error.retryAfterSeconds} s)` : String(error);
    }
    return 'accepted';
  };

  it('refuses a stream past the per-chat, per-client or total bound, and frees the slot when one closes', () => {
    const streams = new ReplyStreams({ perChat: 2, perClient: 3, total: 4 });
    const a1 = streams.open('http:a', 'c1');
    streams.open('http:a', 'c2');
    expect(refused(() => streams.open('http:a', 'c3'))).toBe(
      'this chat has 2 open reply streams already; try again later (5 s)',
    );
    streams.open('http:b', 'c1');
    streams.open('http:c', 'c1');
    expect(refused(() => streams.open('http:d', 'c1'))).toMatch(/^this user has 3 open/);
    expect(refused(() => streams.open('http:d', 'c4'))).toMatch(/^the gateway has 4 open/);
    expect(streams.stats()).toEqual({ streams: 4, resources: 4 });
    a1.close();
    expect(streams.stats()).toEqual({ streams: 3, resources: 3 });
    expect(refused(() => streams.open('http:a', 'c1'))).toBe('accepted');
  });
});
