import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LineBuffer, sleep } from './support';

export type AppName = 'channel-gateway' | 'router' | 'session-runner' | 'scheduler' | 'delivery' | 'admin-api';

/** How one app process ended. */
export interface AppExit {
  /** `router`, or `session-runner#1` for a second replica. */
  readonly instance: string;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Epoch milliseconds. */
  readonly at: number;
  /** False when the process died on its own rather than by kill/restart/stop. */
  readonly expected: boolean;
}

export interface AppProcessSpec {
  readonly instance: string;
  readonly app: AppName;
  readonly root: string;
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  readonly logLines: number;
  readonly echoLogs: boolean;
  readonly onExit: (exit: AppExit) => void;
}

// Children still alive, killed synchronously if the test process exits without stop(): a leaked
// app would keep consuming from the shared NATS server and disturb later runs. The hook is only
// installed while children live, so Jest's per-file module registries do not pile up listeners.
const live = new Set<ChildProcess>();
const killAll = () => live.forEach((child) => signalGroup(child, 'SIGKILL'));

/** Each app runs in its own process group, so a signal also reaches anything the app spawned. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** One app instance as an OS process: `node apps/<app>/dist/main.js`, restartable on the same port. */
export class AppProcess {
  readonly logs: LineBuffer;
  private child?: ChildProcess;
  private exited?: Promise<AppExit>;
  private expectExit = false;

  constructor(readonly spec: AppProcessSpec) {
    this.logs = new LineBuffer(spec.logLines);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  start(): void {
    if (this.running) return;
    const { instance, root, app, env } = this.spec;
    const script = join(root, 'apps', app, 'dist', 'main.js');
    if (!existsSync(script)) throw new Error(`${script} is missing: build the apps first (npm run build)`);
    // Extra node flags for the apps only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a bench run
    // (node refuses --cpu-prof in NODE_OPTIONS).
    const nodeArgs = (env['CLAWFLEET_APP_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, script], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.expectExit = false;
    this.log(`--- ${instance} started (pid ${child.pid}, port ${this.spec.port})`);
    createInterface({ input: child.stdout! }).on('line', (line) => this.log(line));
    createInterface({ input: child.stderr! }).on('line', (line) => this.log(line));
    if (live.size === 0) process.on('exit', killAll);
    live.add(child);
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        // Whatever the app spawned dies with it, also when it exited on its own. Safe: a pid is not
        // reused while a process group of that id still has members.
        signalGroup(child, 'SIGKILL');
        live.delete(child);
        if (live.size === 0) process.off('exit', killAll);
        const exit: AppExit = { instance, pid: child.pid, code, signal, at: Date.now(), expected: this.expectExit };
        this.log(`--- ${instance} exited (code ${code}, signal ${signal}${exit.expected ? '' : ', unexpected'})`);
        this.spec.onExit(exit);
        resolve(exit);
      };
      child.once('exit', finish);
      child.once('error', (error) => {
        if (child.pid !== undefined) return;
        // 'exit' never comes when the spawn itself failed.
        this.log(`--- spawn failed: ${error.message}`);
        finish(null, null);
      });
    });
  }

  /** Sends `signal` and waits for the exit; a process still alive after `graceMs` gets SIGKILL. */
  async kill(signal: NodeJS.Signals, graceMs: number): Promise<AppExit | undefined> {
    if (!this.running || !this.child || !this.exited) return undefined;
    this.expectExit = true;
    signalGroup(this.child, signal);
    const child = this.child;
    const escalate = signal === 'SIGKILL' ? undefined : setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(escalate);
    }
  }

  /** Polls `/readyz` until it answers 200; fails early, with the last log lines, if the process dies. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      if (!this.running)
        throw new Error(`${this.spec.instance} exited before it was ready. Last log lines:\n${this.tail()}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.spec.port}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
        last = `${res.status} ${(await res.text()).slice(0, 500)}`;
      } catch (error) {
        last =
          error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ''}` : String(error);
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `${this.spec.instance} not ready after ${timeoutMs} ms (last /readyz: ${last}). Last log lines:\n${this.tail()}`,
        );
      }
      await sleep(100);
    }
  }

  private tail(): string {
    return this.logs
      .tail(40)
      .map((l) => `  | ${l}`)
      .join('\n');
  }

  private log(line: string): void {
    this.logs.push(line);
    if (this.spec.echoLogs) process.stderr.write(`[${this.spec.instance}] ${line}\n`);
  }
}
