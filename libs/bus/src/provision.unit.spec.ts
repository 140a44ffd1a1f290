import { mergeStreamLimits } from './provision';

const DAY_NS = 86_400 * 1e9;
const declared = { num_replicas: 1, max_age: 7 * DAY_NS, max_bytes: -1, max_msgs_per_subject: -1 };

describe('mergeStreamLimits (what provisioning sets on an existing stream)', () => {
  it('sets the declared limits on a stream that has none of its own', () => {
    expect(mergeStreamLimits(declared, {})).toEqual(declared);
  });

  it('keeps more replicas than declared: an R3 stream is never cut back to R1', () => {
    expect(mergeStreamLimits(declared, { num_replicas: 3 }).num_replicas).toBe(3);
  });

  it('raises replicas to the declared number', () => {
    expect(mergeStreamLimits({ ...declared, num_replicas: 3 }, { num_replicas: 1 }).num_replicas).toBe(3);
  });

  it('keeps a longer max age, and "no max age" (0), an operator set', () => {
    expect(mergeStreamLimits(declared, { max_age: 30 * DAY_NS }).max_age).toBe(30 * DAY_NS);
    expect(mergeStreamLimits(declared, { max_age: 0 }).max_age).toBe(0);
  });

  it('raises a shorter max age to the declared one', () => {
    expect(mergeStreamLimits(declared, { max_age: DAY_NS }).max_age).toBe(7 * DAY_NS);
  });

  it("keeps an operator's byte limit when none is declared, and the larger of two", () => {
    expect(mergeStreamLimits(declared, { max_bytes: 2 ** 30 }).max_bytes).toBe(2 ** 30);
    expect(mergeStreamLimits({ ...declared, max_bytes: 2 ** 31 }, { max_bytes: 2 ** 30 }).max_bytes).toBe(2 ** 31);
    expect(mergeStreamLimits({ ...declared, max_bytes: 2 ** 29 }, { max_bytes: 2 ** 30 }).max_bytes).toBe(2 ** 30);
    expect(mergeStreamLimits({ ...declared, max_bytes: 2 ** 29 }, { max_bytes: -1 }).max_bytes).toBe(-1);
  });

  it('keeps more messages per subject than declared', () => {
    expect(
      mergeStreamLimits({ ...declared, max_msgs_per_subject: 1_000 }, { max_msgs_per_subject: 5_000 })
        .max_msgs_per_subject,
    ).toBe(5_000);
  });
});
