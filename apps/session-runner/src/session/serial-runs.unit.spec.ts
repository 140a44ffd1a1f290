import { SerialRuns } from './serial-runs';

/** A run the test ends when it wants. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { done, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SerialRuns', () => {
  const errors: unknown[] = [];
  const runs = () => new SerialRuns<string>((error) => errors.push(error));
  beforeEach(() => (errors.length = 0));

  it('runs a key once at a time, and once more after a run during which it was kicked', async () => {
    const serial = runs();
    const first = gate();
    const calls: string[] = [];
    expect(serial.kick('s', () => (calls.push('first'), first.done))).toBe(true);
    // Kicked while the run is ending: its own work is stale by then, so the later run goes instead.
    expect(
      serial.kick(
        's',
        async () => void calls.push('stale'),
        async () => void calls.push('again'),
      ),
    ).toBe(false);
    expect(serial.has('s')).toBe(true);
    expect(calls).toEqual(['first']);

    first.open();
    await serial.drained();
    expect(calls).toEqual(['first', 'again']);
    expect(serial.has('s')).toBe(false);
  });

  it('folds many kicks during one run into one more run, the latest kick’s', async () => {
    const serial = runs();
    const first = gate();
    const calls: string[] = [];
    serial.kick('s', () => first.done);
    for (const n of [1, 2, 3]) serial.kick('s', async () => void calls.push(`first ${n}`), async () => void calls.push(`later ${n}`));
    first.open();
    await serial.drained();
    expect(calls).toEqual(['later 3']);
  });

  it('does not run again when nobody kicked during the run', async () => {
    const serial = runs();
    let count = 0;
    serial.kick('s', async () => void count++);
    await serial.drained();
    await tick();
    expect(count).toBe(1);
    expect(serial.size).toBe(0);
  });

  it('runs other keys alongside', async () => {
    const serial = runs();
    const a = gate();
    expect(serial.kick('a', () => a.done)).toBe(true);
    expect(serial.kick('b', async () => undefined)).toBe(true);
    expect(serial.size).toBe(2);
    a.open();
    await serial.drained();
    expect(serial.size).toBe(0);
  });

  it('reports a run that failed, frees its key, and still runs it again if kicked', async () => {
    const serial = runs();
    const first = gate();
    let again = 0;
    serial.kick('s', () => first.done);
    serial.kick('s', async () => undefined, async () => void again++);
    first.fail(new Error('model down'));
    await serial.drained();
    expect(errors).toEqual([new Error('model down')]);
    expect(again).toBe(1);
    expect(serial.kick('s', async () => undefined)).toBe(true);
  });
});
