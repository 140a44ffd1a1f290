import {
  createTestDatabase,
  launchPlatform,
  startFakeOpenAI,
  TEST_NATS_URL,
  uniqueNamespace,
  type FakeOpenAI,
  type LaunchOptions,
  type Platform,
  type TestDatabase,
} from '@clawfleet/testing';
import { openBusProbe, type BusProbe } from './bus-probe';

export interface PlatformFixture {
  readonly db: TestDatabase;
  readonly model: FakeOpenAI;
  readonly platform: Platform;
  readonly bus: BusProbe;
  readonly gateway: string;
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
  return {
    db,
    model,
    platform,
    bus,
    gateway: platform.url('channel-gateway'),
    async stop() {
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
