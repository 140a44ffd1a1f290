import { ConflictError, ForbiddenError, NotFoundError, TransientError, ValidationError } from '@clawfleet/platform';
import { dispositionOf } from './consumer';

const spec = { maxDeliver: 6, backoffMs: [100, 500, 2_000] };
const failed = (error: unknown) => ({ ok: false as const, error });

describe('dispositionOf', () => {
  describe('when the handler returned', () => {
    it('acks, whatever the delivery count', () => {
      expect(dispositionOf({ ok: true }, 1, spec)).toEqual({ kind: 'ack' });
      expect(dispositionOf({ ok: true }, spec.maxDeliver, spec)).toEqual({ kind: 'ack' });
    });
  });

  describe('when the handler threw a non-retryable error', () => {
    it.each([
      new ValidationError('text is empty'),
      new NotFoundError('no such agent'),
      new ForbiddenError('not a member'),
    ])('dead-letters %p at once with its message as the reason', (error) => {
      expect(dispositionOf(failed(error), 1, spec)).toEqual({ kind: 'dead-letter', reason: error.message });
    });
  });

  describe('when the handler threw a retryable error', () => {
    it.each([
      [1, 100],
      [2, 500],
      [3, 2_000],
      [4, 2_000],
      [5, 2_000],
    ])('naks delivery %i with a delay of %i ms', (deliveryCount, delayMs) => {
      expect(dispositionOf(failed(new TransientError('db down')), deliveryCount, spec)).toEqual({
        kind: 'nak',
        delayMs,
      });
    });

    it('treats a conflict and an unknown error as retryable', () => {
      expect(dispositionOf(failed(new ConflictError('stale')), 1, spec).kind).toBe('nak');
      expect(dispositionOf(failed(new Error('ECONNRESET')), 1, spec).kind).toBe('nak');
      expect(dispositionOf(failed('a string'), 1, spec).kind).toBe('nak');
    });

    it('dead-letters the last delivery, saying it gave up and why', () => {
      expect(dispositionOf(failed(new TransientError('db down')), spec.maxDeliver, spec)).toEqual({
        kind: 'dead-letter',
        reason: 'gave up after 6 deliveries: db down',
      });
    });

    it('still naks the delivery before the last', () => {
      expect(dispositionOf(failed(new TransientError('db down')), spec.maxDeliver - 1, spec).kind).toBe('nak');
    });

    it('falls back to a delay when no backoff is configured', () => {
      const d = dispositionOf(failed(new TransientError('x')), 1, { maxDeliver: 3, backoffMs: [] });
      expect(d.kind).toBe('nak');
      expect(d.kind === 'nak' && d.delayMs).toBeGreaterThan(0);
    });
  });
});
