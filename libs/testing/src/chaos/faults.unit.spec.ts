import { OVERLAP_KINDS, pickOverlap } from './faults';
import { POISON_KINDS, poisonText } from './poison';
import { seededRandom } from './run';

describe('overlap', () => {
  it('picks two different kinds, never two faults of one server', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      const [a, b] = pickOverlap(random);
      expect(OVERLAP_KINDS).toContain(a);
      expect(OVERLAP_KINDS).toContain(b);
      expect(a).not.toBe(b);
      for (const server of ['nats:', 'pg:']) expect(a.startsWith(server) && b.startsWith(server)).toBe(false);
    }
  });
});

describe('poison inputs', () => {
  it('are what the platform cannot store as is', () => {
    expect(POISON_KINDS).toEqual(['nul', 'lone-surrogate', 'oversized']);
    expect(poisonText('nul', 'a')).toContain('\u0000');
    // A lone surrogate reaches the gateway as the escape \ud800 (JSON.stringify keeps it escaped).
    expect(JSON.stringify(poisonText('lone-surrogate', 'a'))).toContain('\\ud800');
    expect(poisonText('oversized', 'a').length).toBeGreaterThan(32_000);
  });
});
