import type Docker from 'dockerode';
import { Writable } from 'node:stream';
import { WORKSPACE } from './policy';
import { checkFence, Fenced, type ExecRequest, type ExecResult } from './sandbox.port';

/** Past this many bytes of output the exec's stream is cut (the process gets EPIPE and stops). */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
/** The host waits this much past the in-container timeout before it gives up on the stream. */
const HOST_GRACE_MS = 3_000;

/**
 * The fence of a call in exec mode: run inside the container before the command, it refuses to
 * start it once the deadline ($1, epoch ms) has passed. GNU date gives milliseconds.
 */
const FENCED_MARK = 'clawfleet: fenced, not started';
const FENCE_SH = `[ "$(date +%s%3N)" -le "$1" ] || { echo '${FENCED_MARK}' >&2; exit 222; }; shift; exec "$@"`;

/** Keeps the first `max` bytes written to it and counts the rest. */
class Capped extends Writable {
  private readonly chunks: Buffer[] = [];
  kept = 0;
  total = 0;
  constructor(
    private readonly max: number,
    private readonly onByte: (n: number) => void,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.total += chunk.length;
    if (this.kept < this.max) {
      const part = chunk.subarray(0, this.max - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.onByte(chunk.length);
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs one process in a running container through the engine's exec API. The in-container
 * `timeout` kills the process's whole process group at the deadline; output is demultiplexed
 * into stdout and stderr and capped; the exit code comes from inspecting the exec afterwards.
 */
export async function dockerExec(
  docker: Docker,
  container: Docker.Container,
  user: string,
  request: ExecRequest,
): Promise<ExecResult> {
  const started = performance.now();
  const seconds = Math.max(1, Math.ceil(request.timeoutMs / 1000));
  const withStdin = request.stdin !== undefined;
  const command = ['timeout', '--signal=KILL', String(seconds), ...request.argv];
  const startBy = checkFence(request.startBy);
  const exec = await container.exec({
    Cmd: startBy === undefined ? command : ['sh', '-c', FENCE_SH, 'fence', String(Math.floor(startBy)), ...command],
    User: user,
    WorkingDir: WORKSPACE,
    Env: ['HOME=/tmp', 'PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'],
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: withStdin })) as NodeJS.ReadWriteStream & {
    destroy(): void;
  };
  let cut = false;
  let hostTimeout = false;
  let written = 0;
  const onByte = (n: number) => {
    written += n;
    if (written > DRAIN_LIMIT_BYTES && !cut) {
      cut = true;
      stream.destroy();
    }
  };
  const stdout = new Capped(request.maxOutputBytes, onByte);
  const stderr = new Capped(request.maxOutputBytes, onByte);
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      hostTimeout = true;
      stream.destroy();
    }, seconds * 1000 + HOST_GRACE_MS);
    const abort = () => stream.destroy();
    request.signal?.addEventListener('abort', abort, { once: true });
    const done = () => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', abort);
      resolve();
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', done);
    if (withStdin) {
      stream.write(request.stdin as string);
      stream.end();
    }
  });
  const info = cut || hostTimeout ? null : await exec.inspect().catch(() => null);
  const exitCode = info && !info.Running ? info.ExitCode : null;
  if (startBy !== undefined && exitCode === 222 && stderr.text() === `${FENCED_MARK}\n`)
    throw new Fenced('the sandbox refused the call: it started after the runner\'s lease ran out; it was not started');
  const elapsed = performance.now() - started;
  // `timeout --signal=KILL` exits 137 (its group was killed) once the deadline passed.
  const timedOut = hostTimeout || (exitCode === 137 && elapsed >= seconds * 1000 - 50);
  return {
    exitCode: timedOut ? null : exitCode,
    stdout: stdout.text(),
    stderr: stderr.text(),
    stdoutBytes: stdout.total,
    stderrBytes: stderr.total,
    timedOut,
    durationMs: Math.round(elapsed),
  };
}
