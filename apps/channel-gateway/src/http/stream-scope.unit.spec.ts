import { StreamClosed, StreamScope } from './stream-scope';

describe('a stream scope', () => {
  it('releases what it holds once, newest first, when it closes', () => {
    const counter = { held: 0 };
    const scope = new StreamScope(counter);
    const released: string[] = [];
    scope.own('consumer', (r) => released.push(r));
    scope.own('timer', (r) => released.push(r));
    expect(counter.held).toBe(2);
    scope.close();
    scope.close();
    expect(released).toEqual(['timer', 'consumer']);
    expect(counter.held).toBe(0);
  });

  it('releases a resource that arrives after the close at once, and stops the setup', () => {
    const counter = { held: 0 };
    const scope = new StreamScope(counter);
    scope.close();
    const released: string[] = [];
    expect(() => scope.own('late consumer', (r) => released.push(r))).toThrow(StreamClosed);
    expect(released).toEqual(['late consumer']);
    expect(counter.held).toBe(0);
    expect(() => scope.check()).toThrow(StreamClosed);
  });

  it('keeps releasing when one release fails', async () => {
    const scope = new StreamScope();
    const released: string[] = [];
    scope.own('a', (r) => released.push(r));
    scope.own('b', () => {
      throw new Error('boom');
    });
    scope.own('c', () => Promise.reject(new Error('async boom')));
    scope.close();
    await Promise.resolve();
    expect(released).toEqual(['a']);
  });
});
