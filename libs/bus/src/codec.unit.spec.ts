import { OutboundReady, TurnCompleted, type OutboundReady as OutboundReadyEvent } from '@clawfleet/contracts';
import { ValidationError } from '@clawfleet/platform';
import { decodeEvent, encodeEvent, MAX_MESSAGE_BYTES } from './codec';
import { makeEnvelope } from './envelope';

const encoder = new TextEncoder();
const bytes = (value: unknown) => encoder.encode(typeof value === 'string' ? value : JSON.stringify(value));

const ready = (text = 'hello'): OutboundReadyEvent =>
  makeEnvelope(OutboundReady, {
    tenantId: 'acme',
    data: {
      outboundId: '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b81',
      sessionId: '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b82',
      turnId: null,
      seq: 1,
      chat: { channel: 'telegram', chatId: '12' },
      text,
      kind: 'reply',
    },
  });

function decodeError(payload: Uint8Array): ValidationError {
  try {
    decodeEvent(payload);
  } catch (error) {
    return error as ValidationError;
  }
  throw new Error('decodeEvent accepted the message');
}

describe('decodeEvent', () => {
  describe('given a message that is not JSON', () => {
    it('throws a ValidationError saying so', () => {
      const error = decodeError(bytes('{"id": '));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe('message is not valid JSON');
    });
  });

  describe('given JSON that is not an envelope', () => {
    it.each([
      ['an array', []],
      ['a missing tenantId', { ...ready(), tenantId: undefined }],
      ['a bad tenantId', { ...ready(), tenantId: 'ACME' }],
      ['a non-uuid id', { ...ready(), id: '42' }],
    ])('rejects %s as an invalid envelope', (_what, value) => {
      const error = decodeError(bytes(value));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(/^invalid envelope: /);
    });
  });

  describe('given an envelope of an unknown type', () => {
    it('names the type', () => {
      const error = decodeError(bytes({ ...ready(), type: 'outbound.teleported' }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe('unknown event type "outbound.teleported"');
    });
  });

  describe('given another schema version of a known type', () => {
    it('names both versions', () => {
      const error = decodeError(bytes({ ...ready(), schemaVersion: 2 }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe('unsupported schemaVersion 2 for outbound.ready (expected 1)');
    });
  });

  describe('given invalid data', () => {
    it('names the offending path', () => {
      const event = ready();
      const error = decodeError(
        bytes({ ...event, data: { ...event.data, chat: { channel: 'telegram', chatId: 'a.b' } } }),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(/^invalid outbound.ready event: data\.chat\.chatId: /);
    });

    it('does not take the data of another type', () => {
      const event = ready();
      const error = decodeError(bytes({ ...event, type: TurnCompleted.type }));
      expect(error.message).toMatch(/^invalid turn.completed event: data\./);
    });
  });

  describe('given a valid message', () => {
    it('returns the event', () => {
      const event = ready();
      expect(decodeEvent(bytes(event))).toEqual(event);
    });

    it('drops fields the contract does not know', () => {
      const event = ready();
      expect(decodeEvent(bytes({ ...event, extra: 'x' }))).toEqual(event);
    });
  });
});

describe('encodeEvent', () => {
  it('encodes a valid event to bytes that decode to it', () => {
    const event = ready();
    expect(decodeEvent(encodeEvent(OutboundReady, event))).toEqual(event);
  });

  it('rejects an invalid event with a ValidationError naming the path', () => {
    const event = ready();
    const invalid = { ...event, data: { ...event.data, seq: 0 } };
    expect(() => encodeEvent(OutboundReady, invalid)).toThrow(ValidationError);
    expect(() => encodeEvent(OutboundReady, invalid)).toThrow(/invalid outbound.ready event: data\.seq/);
  });

  it('rejects an event of another type than its definition', () => {
    const event = ready();
    expect(() => encodeEvent(TurnCompleted, event as never)).toThrow(ValidationError);
  });

  it('rejects an event that is valid but larger than MAX_MESSAGE_BYTES', () => {
    // A control character is one character and six bytes of JSON (\u0001): within MAX_REPLY_CHARS, over the byte limit.
    const text = '\u0001'.repeat(Math.ceil(MAX_MESSAGE_BYTES / 6) + 1);
    expect(OutboundReady.envelope.safeParse(ready(text)).success).toBe(true);
    expect(() => encodeEvent(OutboundReady, ready(text))).toThrow(/bytes, over 921600/);
  });

  it('accepts an event just under the byte limit', () => {
    const text = '\u0001'.repeat(Math.floor((MAX_MESSAGE_BYTES - 2_000) / 6));
    const encoded = encodeEvent(OutboundReady, ready(text));
    expect(encoded.length).toBeGreaterThan(MAX_MESSAGE_BYTES - 3_000);
    expect(encoded.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });
});
