import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The monorepo root: the nearest folder above `from` holding nx.json (works from src/ and from dist/). */
export function findRepoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no nx.json found above ${from}`);
  }
}

// Below Linux's ephemeral range (32768-60999 by default), from which the kernel takes the local port
// of every outgoing connection: a port picked there can be taken by a connection to PostgreSQL or
// NATS while its app restarts, and the app then fails with EADDRINUSE.
const FIRST_PORT = 20_000;
const LAST_PORT = 32_767;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port free right now on 127.0.0.1, outside the kernel's ephemeral range, picked at random so
 * that test processes running side by side rarely try the same one.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT + 1));
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free port in ${FIRST_PORT}-${LAST_PORT}`);
}

/** The last `limit` lines, oldest first. */
export class LineBuffer {
  private readonly lines: string[] = [];
  constructor(private readonly limit: number) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
  }

  tail(n = this.limit): string[] {
    return this.lines.slice(-n);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
