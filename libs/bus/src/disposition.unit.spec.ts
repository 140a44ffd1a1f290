import { ConflictError, ForbiddenError, NotFoundError, TransientError, ValidationError } from '@clawfleet/platform';
import { dispositionOf } from './consumer';

const MINUTE = 60_000;
const spec = { minDeliveries: 6, retryBudgetMs: 10 * MINUTE, backoffMs: [100, 500, 2_000] };
const failed = (error: unknown) => ({ ok: false as const, error });
const fresh = (count: number) => ({ count, ageMs: 1_000 });

describe('dispositionOf', () => {
  describe('when the handler returned', () => {
    it('acks, whatever the delivery count or age', () => {
      expect(dispositionOf({ ok: true }, fresh(1), spec)).toEqual({ kind: 'ack' });
      expect(dispositionOf({ ok: true }, { count: 500, ageMs: 60 * MINUTE }, spec)).toEqual({ kind: 'ack' });
    });
  });

  describe('when the handler threw a non-retryable error', () => {
    it.each([
      new ValidationError('text is empty'),
      new NotFoundError('no such agent'),
      new ForbiddenError('not a member'),
    ])('dead-letters %p at once with its message as the reason', (error) => {
      expect(dispositionOf(failed(error), fresh(1), spec)).toEqual({ kind: 'dead-letter', reason: error.message });
    });
  });

  describe('when the handler threw a retryable error', () => {
    it.each([
      [1, 100],
      [2, 500],
      [3, 2_000],
      [4, 2_000],
      [5, 2_000],
    ])('naks delivery %i with a delay of %i ms', (count, delayMs) => {
      expect(dispositionOf(failed(new TransientError('db down')), fresh(count), spec)).toEqual({
        kind: 'nak',
        delayMs,
      });
    });

    it('treats a conflict and an unknown error as retryable', () => {
      expect(dispositionOf(failed(new ConflictError('stale')), fresh(1), spec).kind).toBe('nak');
      expect(dispositionOf(failed(new Error('ECONNRESET')), fresh(1), spec).kind).toBe('nak');
      expect(dispositionOf(failed('a string'), fresh(1), spec).kind).toBe('nak');
    });

    it('keeps retrying within the time budget, however many deliveries it took (an outage of minutes)', () => {
      const during = { count: 5_000, ageMs: 10 * MINUTE - 1 };
      expect(dispositionOf(failed(new Error('connect ECONNREFUSED 127.0.0.1:5432')), during, spec)).toEqual({
        kind: 'nak',
        delayMs: 2_000,
      });
    });

    it('keeps retrying past the budget until the minimum deliveries are reached (a backlog that waited)', () => {
      const old = { count: spec.minDeliveries - 1, ageMs: 60 * MINUTE };
      expect(dispositionOf(failed(new TransientError('db down')), old, spec).kind).toBe('nak');
    });

    it('dead-letters once the budget is spent and the minimum deliveries are reached, saying why', () => {
      const spent = { count: 300, ageMs: 10 * MINUTE + 1_400 };
      expect(dispositionOf(failed(new TransientError('db down')), spent, spec)).toEqual({
        kind: 'dead-letter',
        reason: 'gave up after 300 deliveries in 601 s: db down',
      });
    });

    it('falls back to a delay when no backoff is configured', () => {
      const d = dispositionOf(failed(new TransientError('x')), fresh(1), { ...spec, backoffMs: [] });
      expect(d.kind).toBe('nak');
      expect(d.kind === 'nak' && d.delayMs).toBeGreaterThan(0);
    });
  });
});
