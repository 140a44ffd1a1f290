import { InboundReceived, MessageText, OutboundReady, Sender, TurnRequested } from './events';
import { REPLACEMENT_CHARACTER, sanitizeText, storableText, storableTextProblem } from './text';

describe('storableTextProblem', () => {
  it.each([
    ['plain text', 'hello'],
    ['the empty string', ''],
    ['other control characters', 'tab\there\u0001\u001f\u007f'],
    ['non-characters', '\ufffe\uffff'],
    ['astral characters (surrogate pairs)', 'ok 😀 𝄞'],
    ['the replacement character', REPLACEMENT_CHARACTER],
  ])('finds nothing in %s', (_what, text) => {
    expect(storableTextProblem(text)).toBeUndefined();
  });

  it.each([
    ['a NUL', 'hi\u0000there', 2, 'U+0000', 'nul'],
    ['a lone high surrogate', 'hi\ud800there', 2, 'U+D800', 'lone-high-surrogate'],
    ['a high surrogate at the end', 'abc\udbff', 3, 'U+DBFF', 'lone-high-surrogate'],
    ['a lone low surrogate', '\udc00hi', 0, 'U+DC00', 'lone-low-surrogate'],
    ['two high surrogates before a low one', 'x\ud83d\ud83d\ude00', 1, 'U+D83D', 'lone-high-surrogate'],
    ['the first of several', '😀 a\udfff b\u0000', 4, 'U+DFFF', 'lone-low-surrogate'],
  ])('finds %s and its position', (_what, text, index, codePoint, kind) => {
    expect(storableTextProblem(text)).toMatchObject({ index, codePoint, kind });
    expect(storableTextProblem(text)?.message).toMatch(new RegExp(`at position ${index}, which cannot be stored`));
  });
});

describe('sanitizeText', () => {
  it('replaces every unstorable character with U+FFFD and counts them', () => {
    expect(sanitizeText('a\u0000b\ud800c\udc00d😀')).toEqual({ text: 'a\ufffdb\ufffdc\ufffdd😀', replaced: 3 });
  });

  it('returns storable text unchanged', () => {
    const text = 'fine 😀';
    expect(sanitizeText(text)).toEqual({ text, replaced: 0 });
  });

  it('always returns text the check accepts', () => {
    const nasty = Array.from({ length: 2_000 }, (_, i) => String.fromCharCode((i * 7919) % 0x10000)).join('');
    expect(storableTextProblem(sanitizeText(nasty).text)).toBeUndefined();
  });
});

describe('storableText', () => {
  it('sanitises, and cuts without splitting a surrogate pair', () => {
    expect(storableText('a\u0000b')).toBe('a\ufffdb');
    expect(storableText('ab😀c', 3)).toBe('ab');
    expect(storableText('ab😀c', 4)).toBe('ab😀');
    expect(storableText('short', 100)).toBe('short');
  });
});

describe('the contracts refuse unstorable text a user sent', () => {
  const inbound = (data: Record<string, unknown>) =>
    InboundReceived.data.safeParse({
      chat: { channel: 'http', chatId: 'c' },
      messageId: 'm1',
      sender: { id: 'u' },
      text: 'hello',
      receivedAt: new Date().toISOString(),
      ...data,
    });

  it('in the text, naming the position', () => {
    const result = MessageText.safeParse('hi\u0000there');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      message: 'text contains a NUL character (U+0000) at position 2, which cannot be stored',
      params: { position: 2 },
    });
  });

  it.each([
    ['the text', { text: 'x\ud800' }, 'text'],
    ['the message id', { messageId: 'm\u0000' }, 'messageId'],
    ['the sender id', { sender: { id: '\udc00' } }, 'sender.id'],
    ['the sender display name', { sender: { id: 'u', displayName: 'Ann\u0000' } }, 'sender.displayName'],
  ])('in %s of an inbound message', (_what, data, path) => {
    const result = inbound(data);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([path]);
  });

  it('in a turn request and a reply', () => {
    const turn = TurnRequested.data.shape.message.safeParse({ messageId: 'm', text: 'a\u0000', sender: { id: 'u' } });
    expect(turn.success).toBe(false);
    expect(OutboundReady.data.shape.text.safeParse('a\ud800').success).toBe(false);
    expect(Sender.safeParse({ id: 'u', displayName: 'Ann 😀' }).success).toBe(true);
  });
});
