import { AppProcess, type AppExit, type AppName } from './launcher/app-process';
import { findRepoRoot, freePort } from './launcher/support';

export type { AppExit, AppName } from './launcher/app-process';

export const APP_NAMES: readonly AppName[] = [
  'channel-gateway',
  'router',
  'session-runner',
  'scheduler',
  'delivery',
  'admin-api',
];

/**
 * An app instance: `router` (the first instance), or `session-runner#1` for the second replica
 * (`#0` is the same as the bare name).
 */
export type AppInstance = AppName | `${AppName}#${number}`;

export interface LaunchOptions {
  readonly databaseUrl: string;
  /** BUS_NAMESPACE: keeps the run's streams and subjects apart from every other run on the NATS server. */
  readonly namespace: string;
  readonly natsUrl: string;
  /** The model provider, usually a fake: MODEL_BASE_URL, MODEL_API_KEY, MODEL_NAME. */
  readonly model: { readonly baseUrl: string; readonly apiKey: string; readonly name: string };
  /** Extra environment for every app; overrides the launcher's defaults (LOG_LEVEL=warn…). PORT is always the launcher's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment for one app only, applied after `env`. */
  readonly appEnv?: Partial<Record<AppName, Readonly<Record<string, string>>>>;
  /** Environment for one instance only (`session-runner#1`), applied after `appEnv`. */
  readonly instanceEnv?: Partial<Record<string, Readonly<Record<string, string>>>>;
  /** Apps started now (default: all six). The others can be started later with `start(app)`. */
  readonly apps?: readonly AppName[];
  /** Number of instances per app (default 1), e.g. `{ 'session-runner': 2 }`. */
  readonly replicas?: Partial<Record<AppName, number>>;
  /** Per instance, for `/readyz` to answer 200 (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** SIGTERM grace before SIGKILL in stop() and restart() (default 15 s). */
  readonly stopTimeoutMs?: number;
  /** Log lines kept per instance (default 2000). */
  readonly logLines?: number;
  /** The monorepo holding `apps/<app>/dist/main.js` (default: found from this file, by nx.json). */
  readonly root?: string;
  /** Mirror app output to stderr as `[app] line` (default: CLAWFLEET_LAUNCHER_LOGS=1). */
  readonly echoLogs?: boolean;
}

/** The apps of one end-to-end test, running as real OS processes. */
export interface Platform {
  /** Every instance, started or not, e.g. `['router', 'session-runner', 'session-runner#1', …]`. */
  readonly instances: readonly string[];
  /** Every exit so far, expected or not. */
  readonly exits: readonly AppExit[];
  /** `http://127.0.0.1:<port>`; the port stays the same across restarts. */
  url(app: AppInstance): string;
  port(app: AppInstance): number;
  pid(app: AppInstance): number | undefined;
  isRunning(app: AppInstance): boolean;
  /** Starts the instance if it is not running and waits until it is ready. */
  start(app: AppInstance): Promise<void>;
  /** Sends `signal` (default SIGKILL: a crash) and waits until the process is gone. */
  kill(app: AppInstance, signal?: NodeJS.Signals): Promise<void>;
  /** A graceful stop (SIGTERM), then start again on the same port. */
  restart(app: AppInstance): Promise<void>;
  /** SIGTERM to every instance, SIGKILL to any still alive after the grace period; leaves no process behind. */
  stop(): Promise<void>;
  /** Captured stdout and stderr lines, the last `lines` of them (default all kept). */
  logs(app: AppInstance, lines?: number): string[];
  /** Exits nobody asked for: a crash, or an app that gave up. */
  unexpectedExits(): AppExit[];
}

/** Provider keys and the admin bootstrap key, by the one app that may hold each. */
const SECRET_OWNERS: Readonly<Record<string, AppName>> = {
  MODEL_API_KEY: 'session-runner',
  OPENAI_API_KEY: 'session-runner',
  ANTHROPIC_API_KEY: 'session-runner',
  ADMIN_BOOTSTRAP_KEY: 'admin-api',
  CREDENTIALS_KEYS: 'admin-api',
};

/** The environment an app inherits, less the secrets another app owns. */
function withoutSecrets(env: NodeJS.ProcessEnv, app: AppName): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [name, owner] of Object.entries(SECRET_OWNERS)) if (owner !== app) delete out[name];
  return out;
}

/** Starts the apps (built: `apps/<app>/dist/main.js`) and resolves once every one of them is ready. */
export async function launchPlatform(options: LaunchOptions): Promise<Platform> {
  const root = options.root ?? findRepoRoot();
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  const exits: AppExit[] = [];
  const processes = new Map<string, AppProcess>();

  for (const app of APP_NAMES) {
    for (let i = 0; i < (options.replicas?.[app] ?? 1); i++) {
      const instance = i === 0 ? app : `${app}#${i}`;
      const port = await freePort();
      const env: NodeJS.ProcessEnv = {
        ...withoutSecrets(process.env, app),
        NODE_ENV: process.env['NODE_ENV'] ?? 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        DB_MIGRATE_ON_BOOT: 'true',
        // No collector runs in tests; exporting would only fill the logs with connection errors.
        OTEL_SDK_DISABLED: 'true',
        NATS_URL: options.natsUrl,
        DATABASE_URL: options.databaseUrl,
        BUS_NAMESPACE: options.namespace,
        MODEL_BASE_URL: options.model.baseUrl,
        MODEL_NAME: options.model.name,
        // The model provider's key goes to session-runner alone, as in production.
        ...(app === 'session-runner' && { MODEL_API_KEY: options.model.apiKey }),
        // Each replica is a runner of its own on the one engine (as pods are): it stops only what it left running.
        ...(app === 'session-runner' && { SANDBOX_RUNNER_ID: instance.replace('#', '-') }),
        ...options.env,
        ...options.appEnv?.[app],
        ...options.instanceEnv?.[instance],
        ...(i === 0 && options.instanceEnv?.[`${app}#0`]),
        PORT: String(port),
      };
      const echoLogs = options.echoLogs ?? process.env['CLAWFLEET_LAUNCHER_LOGS'] === '1';
      const onExit = (exit: AppExit) => exits.push(exit);
      processes.set(
        instance,
        new AppProcess({ instance, app, root, port, env, logLines: options.logLines ?? 2_000, echoLogs, onExit }),
      );
    }
  }

  const get = (ref: AppInstance): AppProcess => {
    const found = processes.get(ref.endsWith('#0') ? ref.slice(0, -2) : ref);
    if (!found) throw new Error(`unknown app instance ${ref}; known: ${[...processes.keys()].join(', ')}`);
    return found;
  };
  const start = async (p: AppProcess) => {
    p.start();
    await p.waitReady(readyTimeoutMs);
  };
  const stopAll = async () => {
    await Promise.all([...processes.values()].map((p) => p.kill('SIGTERM', stopTimeoutMs)));
  };

  const initial = [...processes.values()].filter((p) => (options.apps ?? APP_NAMES).includes(p.spec.app));
  const started = await Promise.allSettled(initial.map(start));
  const failures = started.flatMap((r) =>
    r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
  );
  if (failures.length) {
    await stopAll();
    throw new Error(`platform did not start:\n${failures.join('\n\n')}`);
  }

  return {
    instances: [...processes.keys()],
    exits,
    url: (app) => `http://127.0.0.1:${get(app).spec.port}`,
    port: (app) => get(app).spec.port,
    pid: (app) => get(app).pid,
    isRunning: (app) => get(app).running,
    start: (app) => start(get(app)),
    async kill(app, signal = 'SIGKILL') {
      await get(app).kill(signal, stopTimeoutMs);
    },
    async restart(app) {
      const p = get(app);
      await p.kill('SIGTERM', stopTimeoutMs);
      await start(p);
    },
    stop: stopAll,
    logs: (app, lines) => get(app).logs.tail(lines),
    unexpectedExits: () => exits.filter((e) => !e.expected),
  };
}
