import { ByteLru } from './byte-lru';

describe('a byte-bounded LRU', () => {
  it('evicts the least recently used until the bytes fit', () => {
    const lru = new ByteLru<string, string>(100);
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    lru.get('a'); // a is now the most recently used
    lru.set('c', 'C', 40);
    expect([lru.peek('a'), lru.peek('b'), lru.peek('c')]).toEqual(['A', undefined, 'C']);
    expect(lru.stats()).toEqual({ entries: 2, bytes: 80 });
  });

  it('evicts as many small entries as one large one needs', () => {
    const lru = new ByteLru<number, number>(100);
    for (let i = 0; i < 10; i++) lru.set(i, i, 10);
    lru.set(99, 99, 55);
    expect(lru.stats()).toEqual({ entries: 5, bytes: 95 });
    expect(lru.peek(0)).toBeUndefined();
    expect(lru.peek(5)).toBeUndefined();
    expect(lru.peek(6)).toBe(6);
  });

  it('counts a replaced value once, at its new size', () => {
    const lru = new ByteLru<string, string>(100);
    lru.set('a', 'small', 10);
    lru.set('a', 'bigger', 60);
    expect(lru.stats()).toEqual({ entries: 1, bytes: 60 });
  });

  it('does not keep a value over the per-entry bound, and drops the older value of its key', () => {
    const lru = new ByteLru<string, string>(1_000, 100);
    lru.set('other', 'kept', 50);
    lru.set('a', 'v1', 90);
    expect(lru.set('a', 'v2', 101)).toBe(false);
    expect(lru.peek('a')).toBeUndefined();
    expect(lru.peek('other')).toBe('kept');
    expect(lru.stats()).toEqual({ entries: 1, bytes: 50 });
  });

  it('peek leaves the eviction order alone', () => {
    const lru = new ByteLru<string, string>(100);
    lru.set('a', 'A', 50);
    lru.set('b', 'B', 50);
    lru.peek('a');
    lru.set('c', 'C', 50);
    expect(lru.peek('a')).toBeUndefined();
  });
});
