import type { RecordUserMessage } from './session.decider';
import { WaitingMessages } from './waiting-messages';

const session = { tenantId: 'acme', streamId: 'session-1' };
const other = { tenantId: 'acme', streamId: 'session-2' };
const message = (seq: number, sessionId = '1'): RecordUserMessage => ({
  type: 'RecordUserMessage',
  sessionId,
  agentId: 'default',
  chat: { channel: 'http', chatId: 'alice' },
  turnId: `turn-${seq}`,
  seq,
  messageId: `m${seq}`,
  text: `hello ${seq}`,
  sender: { id: 'alice' },
  source: 'user',
  correlationId: `c${seq}`,
});

describe('WaitingMessages', () => {
  it('hands back the message right after the last recorded one, in order, once each', () => {
    const waiting = new WaitingMessages();
    for (const seq of [5, 3, 4]) waiting.park(session, message(seq), 1_000);
    expect(waiting.next('session-1', 1)).toBeUndefined();
    expect(waiting.next('session-1', 2)?.seq).toBe(3);
    expect(waiting.next('session-1', 3)?.seq).toBe(4);
    expect(waiting.next('session-1', 4)?.seq).toBe(5);
    expect(waiting.next('session-1', 5)).toBeUndefined();
    expect(waiting.size).toBe(0);
  });

  it('drops what was recorded elsewhere meanwhile', () => {
    const waiting = new WaitingMessages();
    for (const seq of [3, 4, 6]) waiting.park(session, message(seq), 1_000);
    expect(waiting.next('session-1', 4)).toBeUndefined();
    expect(waiting.size).toBe(1);
  });

  it('keeps one copy of a message parked twice (a redelivery), and nothing past its capacity', () => {
    const waiting = new WaitingMessages(2);
    waiting.park(session, message(3), 1_000);
    waiting.park(session, message(3), 2_000);
    waiting.park(other, message(7, '2'), 2_000);
    waiting.park(other, message(8, '2'), 2_000);
    expect(waiting.size).toBe(2);
  });

  it('gives each session its first waiting message and since when it has waited; a restart resets that', () => {
    const waiting = new WaitingMessages();
    waiting.park(session, message(4), 2_000);
    waiting.park(session, message(3), 3_000);
    waiting.park(other, message(9, '2'), 5_000);
    expect(waiting.heads().map((h) => [h.session.streamId, h.command.seq, h.since])).toEqual([
      ['session-1', 3, 2_000],
      ['session-2', 9, 5_000],
    ]);
    waiting.restart('session-1', 8_000);
    expect(waiting.heads()[0].since).toBe(8_000);
    waiting.forget('session-2');
    expect(waiting.size).toBe(2);
  });
});
