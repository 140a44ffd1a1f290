import { ApiKeysRepository, generateKey, type Scope } from '@clawfleet/auth';
import { createDataSource, uuidV7Ids } from '@clawfleet/platform';

/** A key made for a test, shown as the admin API shows a new key once: the key itself and its record. */
export interface MintedKey {
  readonly key: string;
  readonly id: string;
  readonly prefix: string;
  readonly scope: Scope;
  readonly tenantId: string | null;
  readonly userId: string | null;
}

export interface KeyOptions {
  /** The user a `channel:client` key chats as. */
  readonly userId?: string;
  /** When the key stops working; a past time makes an expired key. */
  readonly expiresAt?: Date;
  readonly name?: string;
}

/**
 * Makes API keys straight in `auth.api_keys` (libs/auth's repository), as admin-api does, for tests
 * and tools that need one without going through the admin API. The table exists once admin-api
 * (or anything applying `authMigrations`) has migrated the database.
 */
export interface KeyMint {
  /** A `channel:client` key: chats as `userId` in `tenantId` (default `default`). */
  clientKey(userId: string, tenantId?: string, options?: Omit<KeyOptions, 'userId'>): Promise<MintedKey>;
  /** Any key: `platform:admin` with tenant null, the others of a tenant. */
  key(scope: Scope, tenantId: string | null, options?: KeyOptions): Promise<MintedKey>;
  /** Revokes a key now (the verifiers' caches notice within their cache time). */
  revoke(key: MintedKey): Promise<void>;
  close(): Promise<void>;
}

export async function openKeyMint(databaseUrl: string): Promise<KeyMint> {
  const dataSource = createDataSource({ url: databaseUrl, poolSize: 2, applicationName: 'key-mint', migrations: [] });
  await dataSource.initialize();
  const keys = new ApiKeysRepository(dataSource);
  const key = async (scope: Scope, tenantId: string | null, options: KeyOptions = {}): Promise<MintedKey> => {
    const generated = generateKey();
    const userId = scope === 'channel:client' ? (options.userId ?? 'test-user') : null;
    const record = await keys.insert({
      id: uuidV7Ids.next(),
      prefix: generated.prefix,
      hash: generated.hash,
      tenantId: scope === 'platform:admin' ? null : tenantId,
      scope,
      userId,
      name: options.name ?? `test ${scope}`,
      createdBy: 'test',
      expiresAt: options.expiresAt ?? null,
    });
    return { key: generated.key, id: record.id, prefix: record.prefix, scope, tenantId: record.tenantId, userId };
  };
  return {
    key,
    clientKey: (userId, tenantId = 'default', options = {}) => key('channel:client', tenantId, { ...options, userId }),
    async revoke(minted) {
      await keys.revoke(minted.tenantId, minted.id, new Date());
    },
    close: () => dataSource.destroy(),
  };
}
