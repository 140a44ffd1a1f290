import { KeyedQueue } from './keyed-queue';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedQueue', () => {
  it('runs the functions of one key one at a time, in submission order', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const job = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
    };
    await Promise.all([queue.run('a', job('a1', 20)), queue.run('a', job('a2', 1)), queue.run('a', job('a3', 1))]);
    expect(log).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(queue.size).toBe(0);
  });

  it('runs different keys concurrently, and a failure does not stop the queue', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const slow = queue.run('a', async () => {
      await tick(20);
      log.push('a');
    });
    const failing = queue.run('b', async () => {
      log.push('b');
      throw new Error('boom');
    });
    const after = queue.run('b', async () => log.push('b2'));
    await expect(failing).rejects.toThrow('boom');
    await Promise.all([slow, after]);
    expect(log).toEqual(['b', 'b2', 'a']);
  });
});
