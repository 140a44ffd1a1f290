import Docker from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerProxy, type DockerProxy } from '../docker-proxy';
import { launchPlatform, type AppExit, type AppInstance, type Platform } from '../launcher';
import { sleep } from '../launcher/support';
import { checkChaos, type ChaosReport } from './checker';
import {
  DEFAULT_FAULT_WEIGHTS,
  injectFault,
  openMailboxTap,
  pickFault,
  superviseApps,
  type FaultKind,
  type MailboxTap,
} from './faults';
import { startLoad, type Load } from './load';
import { startChaosModel, type ChaosModel } from './model';
import { ChaosRecorder } from './recorder';
import { traceUnanswered, type UnansweredTrace } from './post-mortem';
import { startNats, startPostgres, type NatsServer, type PostgresServer } from './servers';
import type { ChaosRecords } from './types';

export interface ChaosRunOptions {
  /** Faults to inject, kinds drawn by `weights` (default 100). Ignored when `plan` is given. */
  readonly faults?: number;
  /** The exact sequence of fault kinds (the short form in the Jest suite). */
  readonly plan?: readonly FaultKind[];
  readonly weights?: Partial<Record<FaultKind, number>>;
  /** Chats talking at once (default 8). */
  readonly chats?: number;
  readonly modelLatencyMs?: number;
  /** Share of messages with a tool call (default 0.25). */
  readonly toolShare?: number;
  /** Unanswered messages one chat may have at once (default 3; 1 is a closed loop). */
  readonly inFlight?: number;
  /** Share of messages that are poison inputs (default 0.01; 0 for none). */
  readonly poisonShare?: number;
  /** How long `runner:pause` stops a runner (default 3–6 s, past the 2 s lease). */
  readonly pauseMs?: readonly [number, number];
  /** How long `pg:down` and `nats:down` keep the server down (default 3–3.5 min). */
  readonly outageMs?: readonly [number, number];
  /** A chat with unanswered messages this long after the last fault healed is stranded (default 20 s). */
  readonly strandedAfterMs?: number;
  /** Pause after a fault has healed and the platform answered again (default 1–3 s). */
  readonly gapMs?: readonly [number, number];
  /** How long a killed app stays down (default 0.5–2 s). */
  readonly downMs?: readonly [number, number];
  /** After a fault, wait at most this long for a reply to a later message before the next fault (default 20 s). */
  readonly recoveryWaitMs?: number;
  /** After the last fault and the load's end, how long unanswered messages may still get their reply (default 60 s). */
  readonly settleMs?: number;
  readonly seed?: number;
  /** session-runner replicas (default 2). */
  readonly runners?: number;
  readonly log?: (message: string) => void;
  /** Mirror app output to stderr. */
  readonly echoLogs?: boolean;
}

export interface ChaosRunResult {
  readonly report: ChaosReport;
  readonly records: ChaosRecords;
  readonly durationMs: number;
  readonly options: Omit<ChaosRunOptions, 'log'>;
  readonly seed: number;
  /** Apps that died on their own (not by a fault), and the supervisor's restarts of them. */
  readonly unexpectedExits: readonly AppExit[];
  readonly supervisorRestarts: ReadonlyArray<{ instance: string; at: number; error?: string }>;
  readonly sseReconnects: number;
  readonly modelRequests: number;
  /** Model requests a run without faults would have made (one per turn, two with a tool call): the rest were redone after a crash. */
  readonly modelRequestsExpected: number;
  /** The last lines of every instance's output (LOG_LEVEL=warn: mostly what went wrong). */
  readonly logs?: Readonly<Record<string, string[]>>;
  readonly serverLogs?: { readonly nats: string[]; readonly postgres: string[] };
  /** What JetStream held at the end for each accepted message still unanswered (a lost one's post-mortem). */
  readonly unansweredTraces?: readonly UnansweredTrace[];
}

/** The checker failed on a finished run; `records` are what the run recorded, for a post-mortem. */
export class ChaosCheckError extends Error {
  constructor(
    readonly failure: unknown,
    readonly records: ChaosRecords,
  ) {
    super(`the chaos checker failed: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
}

/** Removes every sandbox container of the run's namespace (after the apps stopped). */
async function removeSandboxes(namespace: string | undefined): Promise<void> {
  if (!namespace) return;
  const docker = new Docker();
  const ours = await docker.listContainers({ all: true, filters: { label: [`clawfleet.namespace=${namespace}`] } });
  for (const c of ours) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
}

/** mulberry32: a seeded generator, so a run's fault sequence can be replayed with CHAOS_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * One chaos run: its own nats-server and PostgreSQL, the six apps (two session-runners) on them,
 * an open-loop load of chats against the HTTP channel (several messages in flight per chat, poison
 * inputs mixed in), faults injected one after another while the load runs, then a settle phase and
 * the checker's verdict.
 */
export async function runChaos(options: ChaosRunOptions = {}): Promise<ChaosRunResult> {
  const t0 = Date.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const log = options.log ?? (() => undefined);
  const count = options.plan?.length ?? options.faults ?? 100;
  const [gapMin, gapMax] = options.gapMs ?? [1_000, 3_000];
  const recoveryWaitMs = options.recoveryWaitMs ?? 20_000;

  let nats: NatsServer | undefined;
  let pg: PostgresServer | undefined;
  let model: ChaosModel | undefined;
  let platform: Platform | undefined;
  let tap: MailboxTap | undefined;
  let docker: DockerProxy | undefined;
  let workspaces: string | undefined;
  let namespace: string | undefined;
  let load: Load | undefined;
  let supervisor: ReturnType<typeof superviseApps> | undefined;
  const recorder = new ChaosRecorder();
  let unansweredTraces: UnansweredTrace[] | undefined;
  let modelRequests = 0;
  // The fake keeps every request (bodies hold the whole conversation): forget them now and then.
  const trim = setInterval(() => {
    if (model && model.fake.requests.length > 2_000) {
      modelRequests += model.fake.requests.length;
      model.fake.reset();
    }
  }, 5_000);
  const teardown = async () => {
    clearInterval(trim);
    await tap?.close().catch(() => undefined);
    await platform?.stop().catch(() => undefined);
    await removeSandboxes(namespace).catch(() => undefined);
    await docker?.close().catch(() => undefined);
    if (workspaces) rmSync(workspaces, { recursive: true, force: true });
    await model?.close().catch(() => undefined);
    await nats?.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
  };
  try {
    [nats, pg, model] = await Promise.all([
      startNats(),
      startPostgres(),
      startChaosModel({ latencyMs: options.modelLatencyMs ?? 20 }),
    ]);
    const databaseUrl = await pg.createDatabase('clawfleet');
    log(`nats ${nats.url}, postgres ${pg.url}, seed ${seed}; starting the apps`);
    // The Docker engine is the machine's, shared with other runs: a namespace of this run's own
    // keeps their sandboxes apart (sweeps and the cleanup go by it).
    namespace = `chaos-${process.pid.toString(36)}-${Date.now().toString(36)}`;
    docker = await startDockerProxy();
    workspaces = mkdtempSync(join(tmpdir(), 'clawfleet-chaos-ws-'));
    platform = await launchPlatform({
      databaseUrl,
      namespace,
      natsUrl: nats.url,
      model: { baseUrl: model.url, apiKey: 'test-key', name: 'fake-model' },
      env: {
        SESSION_LEASE_MS: '2000',
        SESSION_SWEEP_MS: '200',
        SHUTDOWN_GRACE_MS: '2000',
        // Real sandbox calls for `[tool]` messages, through the proxy `runner:mid-tool` strikes on.
        DOCKER_HOST: docker.host,
        SANDBOX_WORKSPACE_ROOT: workspaces,
        // Retired chats' sandboxes go soon (sessions are short), and one tenant has every chat.
        SANDBOX_IDLE_MS: '5000',
        SANDBOX_MAX_PER_TENANT: '64',
        SANDBOX_MEMORY_MB: '128',
      },
      replicas: { 'session-runner': options.runners ?? 2 },
      readyTimeoutMs: 60_000,
      stopTimeoutMs: 5_000,
      echoLogs: options.echoLogs,
    });
    const held = new Set<string>();
    supervisor = superviseApps(platform, held, log);
    tap = await openMailboxTap(nats.url, namespace);
    const gateway = platform.url('channel-gateway');
    load = startLoad({
      gateway,
      recorder,
      runId: `r${seed.toString(36)}`,
      chats: options.chats ?? 8,
      toolShare: options.toolShare ?? 0.25,
      inFlight: options.inFlight ?? 3,
      poisonShare: options.poisonShare ?? 0.01,
      random,
    });
    let warmTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      load.warm,
      new Promise((_, reject) => {
        warmTimer = setTimeout(
          () => reject(new Error('the platform did not answer every chat within 60 s before any fault')),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(warmTimer));
    log(`load running (${options.chats ?? 8} chats); injecting ${count} faults`);

    for (let i = 0; i < count; i++) {
      await sleep(gapMin + random() * (gapMax - gapMin));
      const kind = options.plan?.[i] ?? pickFault(random, options.weights ?? DEFAULT_FAULT_WEIGHTS);
      const fault = await injectFault(kind, i + 1, {
        platform,
        nats,
        pg,
        model,
        tap,
        docker,
        random,
        held,
        downMs: options.downMs,
        pauseMs: options.pauseMs,
        outageMs: options.outageMs,
        log,
      });
      recorder.fault(fault);
      if (fault.skipped) {
        log(`fault ${i + 1}/${count} ${kind}: skipped (${fault.skipped})`);
        continue;
      }
      // Recovered once a message sent after the fault got its reply.
      const deadline = Date.now() + recoveryWaitMs;
      let recoveredAt: number | undefined;
      while (Date.now() < deadline) {
        recoveredAt = recorder.firstReplyToMessageSentSince(fault.at);
        if (recoveredAt !== undefined) break;
        await sleep(50);
      }
      log(
        `fault ${i + 1}/${count} ${kind}${fault.target ? ` (${fault.target})` : ''}: ` +
          `${recoveredAt ? `answering again after ${recoveredAt - fault.at} ms` : `NOT answering after ${recoveryWaitMs} ms`}` +
          `${fault.error ? `; ${fault.error}` : ''}`,
      );
    }

    await sleep(2_000);
    log('faults done; stopping the load and settling');
    await load.stop();
    const settleDeadline = Date.now() + (options.settleMs ?? 60_000);
    while (recorder.unanswered().length > 0 && Date.now() < settleDeadline) await sleep(200);
    await sleep(1_500); // quiet: a late duplicate would show now
    await load.sweep();
    recorder.end();
    await recorder.readStore(databaseUrl).catch((error) => log(`could not read the store: ${String(error)}`));
    try {
      recorder.readSandbox(workspaces);
    } catch (error) {
      log(`could not read the workspaces: ${String(error)}`);
    }
    await recorder
      .readMailbox(nats.url, namespace)
      .catch((error) => log(`could not read the mailbox: ${String(error)}`));
    unansweredTraces = await traceUnanswered(nats.url, namespace, recorder.unanswered()).catch((error) => {
      log(`could not trace the unanswered messages: ${String(error)}`);
      return undefined;
    });
  } catch (error) {
    await load?.close().catch(() => undefined);
    await supervisor?.stop();
    await teardown();
    throw error;
  }
  await load.close().catch(() => undefined);
  await supervisor.stop();

  const unexpectedExits = platform?.unexpectedExits() ?? [];
  const records: ChaosRecords = {
    ...recorder.records(),
    unexpectedExits: unexpectedExits.map((e) => ({ instance: e.instance, at: e.at, code: e.code, signal: e.signal })),
  };
  const logs = platform
    ? Object.fromEntries(platform.instances.map((i) => [i, platform!.logs(i as AppInstance, 300)]))
    : undefined;
  const serverLogs = nats && pg ? { nats: nats.logs(100), postgres: pg.logs(100) } : undefined;
  modelRequests += model?.fake.requests.length ?? 0;
  // Everything is stopped before the verdict: a checker that fails must not leave servers behind,
  // and the records of a long run must survive it (ChaosCheckError carries them).
  await teardown();
  let report: ChaosReport;
  try {
    report = checkChaos(records, {
      attributionWindowMs: recoveryWaitMs + 10_000,
      strandedAfterMs: options.strandedAfterMs ?? 20_000,
    });
  } catch (error) {
    throw new ChaosCheckError(error, records);
  }

  const { log: _log, ...rest } = options;
  return {
    report,
    records,
    durationMs: Date.now() - t0,
    options: rest,
    seed,
    unexpectedExits,
    supervisorRestarts: supervisor?.restarts ?? [],
    sseReconnects: recorder.sseReconnects,
    modelRequests,
    modelRequestsExpected: records.sends
      .filter((s) => s.status === 'accepted' && !s.poison)
      .reduce((n, s) => n + (s.tool ? 2 : 1), 0),
    ...(logs && { logs }),
    ...(serverLogs && { serverLogs }),
    ...(unansweredTraces?.length && { unansweredTraces }),
  };
}
