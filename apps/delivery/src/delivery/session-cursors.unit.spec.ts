import { SessionCursors } from './session-cursors';

describe('SessionCursors', () => {
  it('stands for the store only on the first delivery of the reply right after, to an idempotent sender', () => {
    const cursors = new SessionCursors();
    expect(cursors.trusted('t|s', 1, 1, true)).toBeUndefined(); // never seen: read
    cursors.remember('t|s', 3);
    expect(cursors.trusted('t|s', 4, 1, true)).toBe(3);
    expect(cursors.trusted('t|s', 4, 2, true)).toBeUndefined(); // a redelivery: another process may have settled it
    expect(cursors.trusted('t|s', 4, 1, false)).toBeUndefined(); // a sender that must never send twice: read
    expect(cursors.trusted('t|s', 3, 1, true)).toBeUndefined(); // a copy of a settled reply: read, and report again
    expect(cursors.trusted('t|s', 6, 1, true)).toBeUndefined(); // a gap: maybe settled elsewhere meanwhile
    expect(cursors.trusted('t|other', 4, 1, true)).toBeUndefined();
  });

  it('forgets the least recently used sessions past its capacity', () => {
    const cursors = new SessionCursors(2);
    cursors.remember('a', 1);
    cursors.remember('b', 1);
    cursors.remember('a', 2); // a is the most recent now
    cursors.remember('c', 1);
    expect(cursors.size).toBe(2);
    expect(cursors.trusted('b', 2, 1, true)).toBeUndefined();
    expect(cursors.trusted('a', 3, 1, true)).toBe(2);
    expect(cursors.trusted('c', 2, 1, true)).toBe(1);
  });
});
