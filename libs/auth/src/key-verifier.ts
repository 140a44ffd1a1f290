import { systemClock, type Clock } from '@clawfleet/platform';
import { createHash, timingSafeEqual } from 'node:crypto';
import { keyMatches, prefixOf } from './api-key';
import type { ApiKeyRecord, ApiKeysRepository } from './api-keys.repository';
import type { Principal } from './scopes';

export interface KeyVerifierOptions {
  /**
   * How long a looked-up key is trusted without reading it again. Revocation takes effect on every
   * replica within this time, with no message between them.
   */
  readonly cacheMs?: number;
  /**
   * When PostgreSQL cannot be read, how long past `cacheMs` the last answer read for a key is still
   * used (0: never; the check fails). Nobody can revoke a key while the database is down, so this
   * only keeps known keys working through an outage.
   */
  readonly staleIfErrorMs?: number;
  /** A platform admin key from the environment, for the first start; compared, never stored. */
  readonly bootstrapKey?: string;
  readonly clock?: Clock;
  /** How often a key's last use is written (at most). */
  readonly touchEveryMs?: number;
}

interface Cached {
  readonly record: ApiKeyRecord | null;
  /** When the record was read (epoch ms). */
  readonly readAt: number;
  /** When it was last tried: a read, or a failed one that kept the record (epoch ms). */
  readonly checkedAt: number;
}

const MAX_CACHED = 10_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Why a key was refused; never shown to the caller in more detail than "invalid". */
export type Refusal = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired';

export type Verification = { ok: true; principal: Principal } | { ok: false; refusal: Refusal };

/**
 * Turns a presented key into the principal it stands for. Looks a prefix up at most once per
 * `cacheMs` (unknown prefixes too, so a flood of made-up keys costs no queries), and once at a time:
 * the requests that find the entry expired together wait for one read.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, Cached>();
  private readonly reading = new Map<string, Promise<ApiKeyRecord | null>>();
  private readonly touched = new Map<string, number>();
  private readonly cacheMs: number;
  private readonly staleIfErrorMs: number;
  private readonly touchEveryMs: number;
  private readonly clock: Clock;
  private readonly bootstrapDigest?: Buffer;

  constructor(
    private readonly keys: ApiKeysRepository,
    options: KeyVerifierOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1_000;
    this.staleIfErrorMs = options.staleIfErrorMs ?? 0;
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
    if (options.bootstrapKey) this.bootstrapDigest = sha256(options.bootstrapKey);
  }

  async verify(presented: string | null | undefined): Promise<Verification> {
    if (!presented) return { ok: false, refusal: 'missing' };
    if (this.bootstrapDigest && timingSafeEqual(sha256(presented), this.bootstrapDigest)) {
      return {
        ok: true,
        principal: { keyId: 'bootstrap', prefix: 'bootstrap', tenantId: null, scope: 'platform:admin', userId: null },
      };
    }
    const prefix = prefixOf(presented);
    if (!prefix) return { ok: false, refusal: 'malformed' };
    const record = await this.lookup(prefix);
    if (!record || !keyMatches(presented, record.hash)) return { ok: false, refusal: 'unknown' };
    const now = this.clock.now();
    if (record.revokedAt && record.revokedAt <= now) return { ok: false, refusal: 'revoked' };
    if (record.expiresAt && record.expiresAt <= now) return { ok: false, refusal: 'expired' };
    this.touch(record.id, now);
    const { id: keyId, tenantId, scope, userId } = record;
    return { ok: true, principal: { keyId, prefix, tenantId, scope, userId } };
  }

  /** Forget a key now (this replica): after a revocation made here. */
  forget(prefix: string): void {
    this.cache.delete(prefix);
  }

  private lookup(prefix: string): Promise<ApiKeyRecord | null> | ApiKeyRecord | null {
    const hit = this.cache.get(prefix);
    if (hit && Date.now() - hit.checkedAt < this.cacheMs) return hit.record;
    let read = this.reading.get(prefix);
    if (!read) {
      read = this.read(prefix, hit).finally(() => this.reading.delete(prefix));
      this.reading.set(prefix, read);
    }
    return read;
  }

  private async read(prefix: string, previous: Cached | undefined): Promise<ApiKeyRecord | null> {
    let record: ApiKeyRecord | null;
    try {
      record = await this.keys.findByPrefix(prefix);
    } catch (error) {
      const now = Date.now();
      // The database cannot be read: the last answer, while it is recent enough, tried again after cacheMs.
      if (!previous || now - previous.readAt >= this.cacheMs + this.staleIfErrorMs) throw error;
      this.cache.set(prefix, { ...previous, checkedAt: now });
      return previous.record;
    }
    const now = Date.now();
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(prefix, { record, readAt: now, checkedAt: now });
    return record;
  }

  private touch(id: string, now: Date): void {
    const last = this.touched.get(id) ?? 0;
    if (now.getTime() - last < this.touchEveryMs) return;
    if (this.touched.size >= MAX_CACHED) this.touched.clear();
    this.touched.set(id, now.getTime());
    void this.keys.touch(id, now).catch(() => undefined);
  }
}
