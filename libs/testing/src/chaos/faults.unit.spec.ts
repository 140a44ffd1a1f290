import { ownedChatId } from '@clawfleet/auth';
import { chatKey, INBOUND_PARTITIONS, partitionOf } from '@clawfleet/contracts';
import { chatIdIn, httpPartitionOf } from './load';
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

describe('the load', () => {
  it('puts lane n in router partition n mod 8, the partition of the chat its user owns', () => {
    for (let lane = 0; lane < INBOUND_PARTITIONS; lane++) {
      const chatId = chatIdIn(`r1-${lane}-${lane}`, lane, 'chaos-user');
      expect(httpPartitionOf(chatId, 'chaos-user')).toBe(lane);
      expect(partitionOf(chatKey({ channel: 'http', chatId: ownedChatId('chaos-user', chatId) }), INBOUND_PARTITIONS)).toBe(lane);
      expect(chatId.startsWith(`r1-${lane}-${lane}`)).toBe(true);
    }
  });
});
