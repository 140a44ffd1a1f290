import { ownedChatId } from '@clawfleet/auth';
import type { ChatRef } from '@clawfleet/contracts';
import {
  createTestDatabase,
  launchPlatform,
  openChat,
  openKeyMint,
  startFakeOpenAI,
  TEST_NATS_URL,
  uniqueNamespace,
  type ChatClient,
  type FakeOpenAI,
  type KeyMint,
  type LaunchOptions,
  type Platform,
  type TestDatabase,
} from '@clawfleet/testing';
import { openBusProbe, type BusProbe } from './bus-probe';

export interface ChatAs {
  /**
   * The user the chat belongs to and every message is sent as (the key's user). Default: the chat
   * id itself, which is what the sender of a chat was before keys.
   */
  readonly user?: string;
  /** The tenant of the key (default `default`). */
  readonly tenantId?: string;
  /** Resume after this event id (`Last-Event-ID`). */
  readonly lastEventId?: string;
}

export interface PlatformFixture {
  readonly db: TestDatabase;
  readonly model: FakeOpenAI;
  readonly platform: Platform;
  readonly bus: BusProbe;
  readonly gateway: string;
  /** Makes any API key straight in the database (expired, revoked, admin, another tenant's). */
  readonly keys: KeyMint;
  /** A `channel:client` key of `userId` in `tenantId` (default `default`); one per user and tenant. */
  clientKey(userId: string, tenantId?: string): Promise<string>;
  /** Opens the HTTP chat `chatId` of a user with their key: `f.openChat('c1', { user: 'olga' })`. */
  openChat(chatId: string, as?: ChatAs): Promise<ChatClient>;
  /** The chat as the platform stores it (the user's own chat; see decision 15), for events and queries. */
  chatRef(chatId: string, user?: string): ChatRef & { channel: 'http' };
  stop(): Promise<void>;
}

/** The six apps as processes on a fresh database and bus namespace, with a fake OpenAI-compatible model. */
export async function startPlatform(
  options: Partial<Pick<LaunchOptions, 'replicas' | 'env' | 'appEnv' | 'instanceEnv'>> & { modelLatencyMs?: number } = {},
): Promise<PlatformFixture> {
  const db = await createTestDatabase();
  const namespace = uniqueNamespace('e');
  const model = await startFakeOpenAI({ latencyMs: options.modelLatencyMs ?? 0 });
  const bus = await openBusProbe(TEST_NATS_URL, namespace);
  let platform: Platform;
  try {
    platform = await launchPlatform({
      databaseUrl: db.url,
      namespace,
      natsUrl: TEST_NATS_URL,
      model: { baseUrl: model.url, apiKey: 'test-key', name: 'fake-model' },
      // Short leases, so a killed runner's sessions move on within a test's patience.
      env: { SESSION_LEASE_MS: '2000', SESSION_SWEEP_MS: '200', SHUTDOWN_GRACE_MS: '2000', ...options.env },
      appEnv: options.appEnv,
      instanceEnv: options.instanceEnv,
      replicas: options.replicas,
    });
  } catch (error) {
    await Promise.allSettled([model.close(), bus.close(), db.drop()]);
    throw error;
  }
  // admin-api has migrated the keys table by now: every app is ready.
  const keys = await openKeyMint(db.url).catch(async (error: unknown) => {
    await platform.stop();
    await Promise.allSettled([model.close(), bus.close(), db.drop()]);
    throw error;
  });
  const clientKeys = new Map<string, Promise<string>>();
  const gateway = platform.url('channel-gateway');
  const clientKey = (userId: string, tenantId = 'default') => {
    const id = `${tenantId}\u001f${userId}`;
    let key = clientKeys.get(id);
    if (!key) {
      key = keys.clientKey(userId, tenantId).then((k) => k.key);
      clientKeys.set(id, key);
    }
    return key;
  };
  return {
    db,
    model,
    platform,
    bus,
    gateway,
    keys,
    clientKey,
    async openChat(chatId, as = {}) {
      const key = await clientKey(as.user ?? chatId, as.tenantId);
      return openChat(gateway, chatId, { key, ...(as.lastEventId !== undefined && { lastEventId: as.lastEventId }) });
    },
    chatRef: (chatId, user = chatId) => ({ channel: 'http', chatId: ownedChatId(user, chatId) }),
    async stop() {
      await keys.close().catch(() => undefined);
      await platform.stop();
      await Promise.allSettled([model.close(), bus.close()]);
      await db.drop();
    },
  };
}

/** Resolves once `check` returns true, polling; rejects with `what` after the timeout. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
