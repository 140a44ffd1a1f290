import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { DRAIN_LIMIT_BYTES } from './docker-exec';
import { EXEC_HELPER } from './exec-helper';
import { WORKSPACE } from './policy';
import { checkFence, Fenced, SandboxError, type ExecRequest, type ExecResult } from './sandbox.port';

/** The host waits this much past a call's timeout before it gives up on the helper. */
const HOST_GRACE_MS = 5_000;
/** A line from the helper longer than this is not an answer (the helper is broken or replaced). */
const MAX_LINE = 40 * 1024 * 1024;

interface Answer {
  id: number;
  error?: string;
  fenced?: boolean;
  pong?: boolean;
  exitCode?: number | null;
  timedOut?: boolean;
  cut?: boolean;
  stdout?: string;
  stderr?: string;
  stdoutBytes?: number;
  stderrBytes?: number;
}

interface Pending {
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

/**
 * One long-lived helper process in a container, spoken to over its stdin and stdout (one exec for
 * the container's life instead of one per call). Whatever ends it (the container stops, the
 * sandbox's own processes kill it) fails the calls in flight and marks it dead; the caller starts
 * another for the next call.
 */
export class HelperChannel {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffer = '';
  dead = false;

  private constructor(private readonly stream: NodeJS.ReadWriteStream & { destroy(): void }) {}

  static async start(docker: Docker, container: Docker.Container, user: string): Promise<HelperChannel> {
    const exec = await container.exec({
      Cmd: ['node', '-e', EXEC_HELPER],
      User: user,
      WorkingDir: WORKSPACE,
      Env: ['HOME=/tmp', 'PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream & { destroy(): void };
    const channel = new HelperChannel(stream);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stderr.resume();
    docker.modem.demuxStream(stream, stdout, stderr);
    stdout.on('data', (chunk: Buffer) => channel.onData(chunk.toString('utf8')));
    const end = () => channel.fail(new SandboxError('the sandbox helper stopped during the call (the container stopped, or a command killed it)'));
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
    return channel;
  }

  /** One round trip that runs nothing: the helper is up and reading (node has booted). */
  async ping(timeoutMs: number): Promise<void> {
    if (this.dead) throw new SandboxError('the sandbox helper is not running');
    await this.ask({ ping: true }, timeoutMs);
  }

  async exec(request: ExecRequest): Promise<ExecResult> {
    if (this.dead) throw new SandboxError('the sandbox helper is not running');
    const started = performance.now();
    // The last moment the runner can look at its lease: the helper checks the same deadline again.
    const startBy = checkFence(request.startBy);
    const answer = await this.ask(
      { argv: request.argv, stdin: request.stdin ?? '', timeoutMs: request.timeoutMs, max: request.maxOutputBytes, drain: DRAIN_LIMIT_BYTES, startBy },
      request.timeoutMs + HOST_GRACE_MS,
      request.signal,
    );
    if (answer.fenced) throw new Fenced('the sandbox refused the call: it arrived after the runner\'s lease ran out; it was not started');
    if (answer.error !== undefined) throw new SandboxError(`cannot run ${request.argv[0]}: ${answer.error}`);
    return {
      exitCode: answer.timedOut || answer.cut ? null : (answer.exitCode ?? null),
      stdout: Buffer.from(answer.stdout ?? '', 'base64').toString('utf8'),
      stderr: Buffer.from(answer.stderr ?? '', 'base64').toString('utf8'),
      stdoutBytes: answer.stdoutBytes ?? 0,
      stderrBytes: answer.stderrBytes ?? 0,
      timedOut: answer.timedOut === true,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** Sends one request line and waits for its answer; past `waitMs` the helper counts as broken. */
  private ask(request: Record<string, unknown>, waitMs: number, signal?: AbortSignal): Promise<Answer> {
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new SandboxError('the sandbox did not answer in time'));
      }, waitMs);
      const abort = () => this.stream.write(`${JSON.stringify({ kill: id })}\n`);
      signal?.addEventListener('abort', abort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        resolve: (a) => (settle(), resolve(a)),
        reject: (e) => (settle(), reject(e)),
      });
      this.stream.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }

  close() {
    this.fail(new SandboxError('the sandbox helper was closed'));
  }

  private onData(text: string) {
    this.buffer += text;
    if (this.buffer.length > MAX_LINE) return this.fail(new SandboxError('the sandbox helper sent garbage'));
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        continue;
      }
      this.pending.get(answer.id)?.resolve(answer);
    }
  }

  private fail(error: Error) {
    if (!this.dead) {
      this.dead = true;
      this.stream.destroy();
    }
    for (const p of [...this.pending.values()]) p.reject(error);
  }
}
