import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { AppInstance, AppName, Platform } from '../launcher';
import { sleep } from '../launcher/support';
import type { DockerProxy } from '../docker-proxy';
import { CHAOS_TOOL_FILE, TOOL_MARKER } from './model-plan';
import { pidOfPeer, type ChaosModel } from './model';
import type { NatsServer, PostgresServer } from './servers';
import type { FaultRecord } from './types';

/** Every fault a chaos run can inject. */
export const FAULT_KINDS = [
  'kill9:channel-gateway',
  'kill9:router',
  'kill9:session-runner',
  'kill9:scheduler',
  'kill9:delivery',
  'kill9:admin-api',
  /** SIGTERM to nats-server, then start it again: JetStream flushes on the way down. */
  'nats:restart',
  /** SIGKILL to nats-server: nats-server 2.9 acknowledges publishes before they reach the disk. */
  'nats:kill9',
  /** `pg_ctl restart -m fast`: sessions rolled back, a checkpoint, then up again. */
  'pg:restart-fast',
  /** `pg_ctl restart -m immediate`: no checkpoint; crash recovery from the WAL on start. */
  'pg:restart-immediate',
  /**
   * kill -9 of the session-runner replica whose sandbox call (the chaos model's `bash` append or
   * `grep`) has just reached the engine: the call is recorded as started, not as completed, and runs.
   */
  'runner:mid-tool',
  /** kill -9 of delivery the moment a reply reaches the HTTP mailbox, before it can record the delivery. */
  'delivery:mid-send',
  /**
   * SIGSTOP of one session-runner for longer than its lease, then SIGCONT: a long GC pause, a frozen
   * VM. The other runner takes its sessions over; the woken one must be fenced (append nothing).
   */
  'runner:pause',
  /** Two faults of the kinds in `OVERLAP_KINDS` at once (the second 0–300 ms after the first). */
  'overlap',
  /** PostgreSQL stopped (`pg_ctl stop -m fast`) for `outageMs` (minutes in the long form), then started. */
  'pg:down',
  /** nats-server stopped (SIGTERM) for `outageMs`, then started on the same store. */
  'nats:down',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Default weights: process crashes most, server restarts often enough to count. */
export const DEFAULT_FAULT_WEIGHTS: Readonly<Record<FaultKind, number>> = {
  'kill9:channel-gateway': 1,
  'kill9:router': 2,
  'kill9:session-runner': 2,
  'kill9:scheduler': 0.5,
  'kill9:delivery': 2,
  'kill9:admin-api': 0.5,
  'nats:restart': 1,
  'nats:kill9': 1,
  'pg:restart-fast': 1,
  'pg:restart-immediate': 1,
  'runner:mid-tool': 1.5,
  'delivery:mid-send': 1.5,
  'runner:pause': 1.5,
  overlap: 1,
  // Each outage lasts minutes in the long form: rare, or a run of 1,000 faults takes hours.
  'pg:down': 0.1,
  'nats:down': 0.1,
};

/** What `overlap` combines: crashes, short restarts and pauses (not the armed traps, not the long outages). */
export const OVERLAP_KINDS: readonly FaultKind[] = [
  'kill9:router',
  'kill9:session-runner',
  'kill9:delivery',
  'kill9:channel-gateway',
  'nats:restart',
  'nats:kill9',
  'pg:restart-fast',
  'pg:restart-immediate',
  'runner:pause',
];

/** Two different kinds of `OVERLAP_KINDS`, never two faults of one server. */
export function pickOverlap(random: () => number): [FaultKind, FaultKind] {
  const server = (k: FaultKind) => k.split(':')[0];
  const first = OVERLAP_KINDS[Math.floor(random() * OVERLAP_KINDS.length)]!;
  const rest = OVERLAP_KINDS.filter(
    (k) => k !== first && !(['nats', 'pg'].includes(server(k)!) && server(k) === server(first)),
  );
  return [first, rest[Math.floor(random() * rest.length)]!];
}

/** A core-NATS view of the replies delivery puts in the HTTP mailboxes (to time `delivery:mid-send`). */
export interface MailboxTap {
  next(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function openMailboxTap(natsUrl: string, namespace: string): Promise<MailboxTap> {
  const nc: NatsConnection = await connect({
    servers: natsUrl,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    name: 'chaos-tap',
  });
  const waiting = new Set<() => void>();
  const sub = nc.subscribe(`${namespace ? `${namespace}.` : ''}mailbox.http.>`, {
    callback: () => waiting.forEach((w) => w()),
  });
  return {
    next(timeoutMs) {
      return new Promise((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          waiting.delete(hit);
          resolve(value);
        };
        const hit = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        waiting.add(hit);
      });
    },
    async close() {
      sub.unsubscribe();
      await nc.close().catch(() => undefined);
    },
  };
}

export interface FaultContext {
  readonly platform: Platform;
  readonly nats: NatsServer;
  readonly pg: PostgresServer;
  readonly model: ChaosModel;
  readonly tap: MailboxTap;
  /** The proxy the runners reach the Docker engine through (`runner:mid-tool` strikes on what passes it). */
  readonly docker?: DockerProxy;
  readonly random: () => number;
  /** Instances down on purpose right now: the supervisor leaves them alone. */
  readonly held: Set<string>;
  /** How long a killed app stays down before it is started again (default 500–2000 ms). */
  readonly downMs?: readonly [number, number];
  /** How long an armed fault (mid-tool, mid-send) waits for its moment before it is skipped (default 15 s). */
  readonly trapTimeoutMs?: number;
  /** How long `runner:pause` keeps a runner stopped: past its lease (default 3–6 s, for a 2 s lease). */
  readonly pauseMs?: readonly [number, number];
  /** How long `pg:down` and `nats:down` keep the server down (default 3–3.5 min). */
  readonly outageMs?: readonly [number, number];
  readonly log?: (message: string) => void;
}

const between = (random: () => number, [min, max]: readonly [number, number]) => min + random() * (max - min);

/** Starts an instance, again and again while it fails to come up (NATS or PostgreSQL may be down too). */
export async function startWithRetry(
  platform: Platform,
  instance: AppInstance,
  attempts = 6,
): Promise<string | undefined> {
  let last = '';
  for (let i = 0; i < attempts; i++) {
    try {
      await platform.start(instance);
      return undefined;
    } catch (error) {
      last = (error as Error).message.split('\n')[0] ?? String(error);
      await sleep(1_000);
    }
  }
  return `could not start ${instance}: ${last}`;
}

function instancesOf(platform: Platform, app: AppName): AppInstance[] {
  return platform.instances.filter((i) => i === app || i.startsWith(`${app}#`)) as AppInstance[];
}

/** Injects one fault and heals it (the killed app or server is back) before it resolves. */
export async function injectFault(kind: FaultKind, id: number, ctx: FaultContext): Promise<FaultRecord> {
  const { platform, random, held } = ctx;
  const downMs = ctx.downMs ?? [500, 2_000];
  const trapMs = ctx.trapTimeoutMs ?? 15_000;

  /** kill -9 `instance` now (at = now), keep it down a while, start it again. */
  const crash = async (instance: AppInstance, at: number, note?: string): Promise<FaultRecord> => {
    held.add(instance);
    try {
      await platform.kill(instance, 'SIGKILL');
      await sleep(between(random, downMs));
      const error = await startWithRetry(platform, instance);
      return { id, kind, target: instance, at, healedAt: Date.now(), ...(note && { note }), ...(error && { error }) };
    } finally {
      held.delete(instance);
    }
  };

  if (kind.startsWith('kill9:')) {
    const candidates = instancesOf(platform, kind.slice('kill9:'.length) as AppName);
    const instance = candidates[Math.floor(random() * candidates.length)]!;
    return crash(instance, Date.now());
  }

  switch (kind) {
    case 'nats:restart':
    case 'nats:kill9': {
      const at = Date.now();
      await ctx.nats.down(kind === 'nats:kill9' ? 'SIGKILL' : 'SIGTERM');
      await sleep(between(random, [0, 1_000]));
      await ctx.nats.up();
      return { id, kind, target: 'nats-server', at, healedAt: Date.now() };
    }
    case 'pg:restart-fast':
    case 'pg:restart-immediate': {
      const at = Date.now();
      try {
        await ctx.pg.restart(kind === 'pg:restart-fast' ? 'fast' : 'immediate');
        return { id, kind, target: 'postgresql', at, healedAt: Date.now() };
      } catch (error) {
        return { id, kind, target: 'postgresql', at, error: (error as Error).message };
      }
    }
    case 'runner:mid-tool': {
      // Strikes the moment a runner's sandbox call passes the proxy on its way to the engine: by then
      // ToolCallStarted is committed, and the call starts in the container as the runner dies. The next
      // runner reports a cut-off bash call as interrupted (never runs it again) and re-runs a grep.
      const { docker } = ctx;
      if (!docker) return { id, kind, at: Date.now(), skipped: 'the runners do not reach the engine through the proxy' };
      const runners = instancesOf(platform, 'session-runner');
      const struck = await new Promise<{ instance: AppInstance; at: number; text?: string } | undefined>((resolve) => {
        const timer = setTimeout(() => {
          untap();
          resolve(undefined);
        }, trapMs);
        const untap = docker.tapNext(CHAOS_TOOL_FILE, ({ peerPort }, chunk) => {
          const pids = new Map(runners.flatMap((r) => (platform.pid(r) ? [[platform.pid(r)!, r] as const] : [])));
          const pid = pidOfPeer(peerPort, docker.port, [...pids.keys()]);
          const instance = pid === undefined ? undefined : pids.get(pid);
          if (!instance || held.has(instance)) return false;
          clearTimeout(timer);
          held.add(instance);
          // The launcher signals the process group synchronously.
          void platform.kill(instance, 'SIGKILL');
          const label = /([A-Za-z0-9_-]+ message \d+)/.exec(chunk)?.[1];
          resolve({ instance, at: Date.now(), ...(label && { text: `${label} ${TOOL_MARKER}` }) });
          return true;
        });
      });
      if (!struck) return { id, kind, at: Date.now(), skipped: `no sandbox call passed within ${trapMs} ms` };
      const record = await crash(struck.instance, struck.at, 'killed as its sandbox call reached the engine');
      return { ...record, ...(struck.text !== undefined && { victim: struck.text }) };
    }
    case 'runner:pause': {
      const runners = instancesOf(platform, 'session-runner').filter((r) => platform.pid(r) !== undefined);
      const instance = runners[Math.floor(random() * runners.length)];
      const pid = instance && platform.pid(instance);
      if (!instance || !pid) return { id, kind, at: Date.now(), skipped: 'no session-runner is running' };
      held.add(instance);
      const group = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // gone (an overlapping kill): nothing to continue
        }
      };
      const at = Date.now();
      group('SIGSTOP');
      const pausedMs = between(random, ctx.pauseMs ?? [3_000, 6_000]);
      try {
        await sleep(pausedMs);
      } finally {
        group('SIGCONT');
        held.delete(instance);
      }
      return {
        id,
        kind,
        target: instance,
        at,
        healedAt: Date.now(),
        note: `stopped (SIGSTOP) for ${Math.round(pausedMs)} ms, then continued`,
      };
    }
    case 'pg:down':
    case 'nats:down': {
      const outage = between(random, ctx.outageMs ?? [180_000, 210_000]);
      const target = kind === 'pg:down' ? 'postgresql' : 'nats-server';
      const at = Date.now();
      try {
        await (kind === 'pg:down' ? ctx.pg.down('fast') : ctx.nats.down('SIGTERM'));
        ctx.log?.(`${target} down for ${Math.round(outage / 1_000)} s`);
        await sleep(outage);
      } finally {
        await (kind === 'pg:down' ? ctx.pg.up() : ctx.nats.up());
      }
      return { id, kind, target, at, healedAt: Date.now(), note: `down for ${Math.round(outage)} ms` };
    }
    case 'overlap': {
      const [a, b] = pickOverlap(random);
      const parts = await Promise.all([
        injectFault(a, id, ctx),
        sleep(random() * 300).then(() => injectFault(b, id, ctx)),
      ]);
      const errors = parts.flatMap((p) => (p.error ? [`${p.kind}: ${p.error}`] : []));
      return {
        id,
        kind,
        target: `${a} + ${b}`,
        at: Math.min(...parts.map((p) => p.at)),
        healedAt: Math.max(...parts.map((p) => p.healedAt ?? p.at)),
        parts,
        ...(errors.length && { error: errors.join('; ') }),
      };
    }
    case 'delivery:mid-send': {
      const seen = await ctx.tap.next(trapMs);
      if (!seen) return { id, kind, at: Date.now(), skipped: `no reply reached a mailbox within ${trapMs} ms` };
      const at = Date.now();
      held.add('delivery');
      void platform.kill('delivery', 'SIGKILL');
      return crash('delivery', at, 'killed as a reply reached the mailbox, before the delivery record');
    }
    default:
      throw new Error(`unknown fault kind ${String(kind)}`);
  }
}

/** Picks a kind by weight. */
export function pickFault(
  random: () => number,
  weights: Partial<Record<FaultKind, number>> = DEFAULT_FAULT_WEIGHTS,
): FaultKind {
  const entries = Object.entries(weights).filter(([, w]) => (w ?? 0) > 0) as Array<[FaultKind, number]>;
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let x = random() * total;
  for (const [kind, w] of entries) if ((x -= w) < 0) return kind;
  return entries.at(-1)![0];
}

/**
 * Restarts any instance that died on its own (a crash after NATS or PostgreSQL went away), as an
 * orchestrator would, and remembers each restart for the report.
 */
export function superviseApps(platform: Platform, held: ReadonlySet<string>, log?: (m: string) => void) {
  const restarts: Array<{ instance: string; at: number; error?: string }> = [];
  const busy = new Set<string>();
  let stopped = false;
  const timer = setInterval(() => {
    for (const instance of platform.instances) {
      if (stopped || held.has(instance) || busy.has(instance) || platform.isRunning(instance as AppInstance)) continue;
      busy.add(instance);
      log?.(`supervisor: ${instance} is down unexpectedly; starting it`);
      void startWithRetry(platform, instance as AppInstance).then((error) => {
        restarts.push({ instance, at: Date.now(), ...(error && { error }) });
        busy.delete(instance);
      });
    }
  }, 1_000);
  return {
    restarts,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (busy.size) await sleep(100);
    },
  };
}
