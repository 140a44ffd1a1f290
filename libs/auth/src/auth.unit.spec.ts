import { bearerKey, generateKey, hashKey, keyMatches, prefixOf } from './api-key';
import { CHAT_NAME_MAX, chatNameOf, ownedChatId } from './chat-owner';
import { mayAccessTenant, mayChat, mayGrant, mayPerform, SCOPES, type Principal, type Scope } from './scopes';

describe('an API key', () => {
  it('is shown once as cf_<id>_<secret>, and only its hash is kept', () => {
    const { key, prefix, hash } = generateKey();
    expect(key).toMatch(/^cf_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`${prefix}_`)).toBe(true);
    expect(hash).toBe(hashKey(key));
    expect(hash).not.toContain(key.slice(prefix.length + 1));
  });

  it('is never the same twice', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateKey().key));
    expect(keys.size).toBe(200);
  });

  it('matches its own hash and no other', () => {
    const a = generateKey();
    const b = generateKey();
    expect(keyMatches(a.key, a.hash)).toBe(true);
    expect(keyMatches(b.key, a.hash)).toBe(false);
    expect(keyMatches(`${a.key}x`, a.hash)).toBe(false);
    expect(keyMatches(a.key, 'not-hex')).toBe(false);
  });

  it.each(['', 'cf_', 'cf_abc_def', 'Bearer x', `cf_${'a'.repeat(12)}_${'b'.repeat(42)}`, 'cf_\u0000'])(
    'has no prefix when malformed: %j',
    (text) => expect(prefixOf(text)).toBeNull(),
  );

  it('is read from a Bearer header only', () => {
    const { key } = generateKey();
    expect(bearerKey(`Bearer ${key}`)).toBe(key);
    expect(bearerKey(`bearer   ${key} `)).toBe(key);
    expect(bearerKey(`Basic ${key}`)).toBeNull();
    expect(bearerKey(key)).toBeNull();
    expect(bearerKey(undefined)).toBeNull();
    expect(bearerKey('Bearer a b')).toBeNull();
  });
});

const principal = (scope: Scope, tenantId: string | null = 'acme'): Principal => ({
  keyId: 'k',
  prefix: 'cf_x',
  tenantId: scope === 'platform:admin' ? null : tenantId,
  scope,
  userId: scope === 'channel:client' ? 'u1' : null,
});

describe('what a key may do', () => {
  // scope → [read own, write own, read other tenant, write other tenant]
  const matrix: Record<Scope, [boolean, boolean, boolean, boolean]> = {
    'platform:admin': [true, true, true, true],
    'tenant:admin': [true, true, false, false],
    'tenant:read': [true, false, false, false],
    'channel:client': [false, false, false, false],
  };
  it.each(SCOPES)('%s', (scope) => {
    const p = principal(scope);
    expect([
      mayPerform(p, 'read', 'acme'),
      mayPerform(p, 'write', 'acme'),
      mayPerform(p, 'read', 'globex'),
      mayPerform(p, 'write', 'globex'),
    ]).toEqual(matrix[scope]);
    expect(mayAccessTenant(p, 'globex')).toBe(scope === 'platform:admin');
  });

  it('grants no more than it has', () => {
    expect(SCOPES.filter((s) => mayGrant(principal('platform:admin'), s))).toEqual([...SCOPES]);
    expect(SCOPES.filter((s) => mayGrant(principal('tenant:admin'), s))).toEqual([
      'tenant:admin',
      'tenant:read',
      'channel:client',
    ]);
    expect(SCOPES.filter((s) => mayGrant(principal('tenant:read'), s))).toEqual([]);
    expect(SCOPES.filter((s) => mayGrant(principal('channel:client'), s))).toEqual([]);
  });
});

describe('an HTTP chat', () => {
  it('is its user’s own: the same name of two users is two chats, and the name can be read back', () => {
    const a = ownedChatId('alice@acme.example', 'support');
    const b = ownedChatId('bob', 'support');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f]{24}:support$/);
    expect(ownedChatId('alice@acme.example', 'support')).toBe(a);
    expect([chatNameOf(a), chatNameOf(b), chatNameOf(ownedChatId('x', 'a:b'))]).toEqual(['support', 'support', 'a:b']);
    expect(chatNameOf('support')).toBeUndefined();
    // Fits a chat id (128 characters, subject-safe) with the longest name a client may give.
    expect(ownedChatId('u'.repeat(128), 'n'.repeat(CHAT_NAME_MAX))).toMatch(/^[A-Za-z0-9_:-]{1,128}$/);
  });
});

describe('who may chat', () => {
  it('only a channel:client key, as its user', () => {
    expect(SCOPES.filter((s) => mayChat(principal(s)))).toEqual(['channel:client']);
  });
});
