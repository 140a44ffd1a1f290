import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An API key is `cf_<id>_<secret>`: `cf_<id>` is its visible prefix (shown in lists and logs, stored
 * as is), the secret is 32 random bytes. Only the SHA-256 of the whole key is stored; the key itself
 * is shown once, when it is created. A key is high-entropy, so a fast hash is the right one (as
 * GitHub and Stripe do): no dictionary to guard against.
 */
export interface GeneratedKey {
  readonly key: string;
  readonly prefix: string;
  readonly hash: string;
}

const ID_CHARS = 'abcdefghijkmnpqrstuvwxyz23456789';
const KEY_PATTERN = /^(cf_[a-z2-9]{12})_([A-Za-z0-9_-]{43})$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(random: (size: number) => Buffer = randomBytes): GeneratedKey {
  const id = [...random(12)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('');
  const prefix = `cf_${id}`;
  const key = `${prefix}_${random(32).toString('base64url')}`;
  return { key, prefix, hash: hashKey(key) };
}

/** The visible prefix of a well-formed key, or null for anything else (never throws on input). */
export function prefixOf(presented: string): string | null {
  const match = KEY_PATTERN.exec(presented);
  return match ? match[1]! : null;
}

/** Compares a presented key with a stored hash in constant time. */
export function keyMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashKey(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The key in an `Authorization: Bearer <key>` header, or null. Only the Bearer scheme is read, so a
 * key never travels in a URL (where proxies log it).
 */
export function bearerKey(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match ? match[1]! : null;
}
