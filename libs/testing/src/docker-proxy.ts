import net from 'node:net';

/** A connection of an app to the engine through the proxy: its TCP port on our side, to find its process. */
export interface ProxiedConnection {
  readonly peerPort: number;
}

export interface Hold {
  /** Resolves once the pattern was seen and the bytes carrying it are held (the connection is paused). */
  readonly held: Promise<ProxiedConnection>;
  /** Sends the held bytes on and resumes the connection. */
  release(): void;
}

export interface DockerProxy {
  /** What the apps get as DOCKER_HOST. */
  readonly host: string;
  readonly port: number;
  /**
   * The next request bytes (app → engine) that contain `pattern` are held, not sent, until
   * `release()`: the app has sent them, the engine has not seen them. Only the first match is held.
   */
  holdNext(pattern: string): Hold;
  /**
   * Calls `onSeen` with each request chunk (app → engine) that contains `pattern`, once it has been
   * sent on to the engine, until it returns true (taken) or the returned function is called.
   */
  tapNext(pattern: string, onSeen: (connection: ProxiedConnection, text: string) => boolean): () => void;
  /** Resolves when the engine sends an app bytes that contain `pattern` (engine → app). */
  answered(pattern: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

const engineSocket = () => {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
};

/**
 * A transparent TCP proxy in front of the Docker engine's socket, for the tests (and the chaos run)
 * that need to stop an app at an exact step of its conversation with the engine: the API and the
 * hijacked exec streams alike pass through it as bytes. Give the apps `DOCKER_HOST: proxy.host`.
 */
export async function startDockerProxy(): Promise<DockerProxy> {
  const holds: Array<{ pattern: string; onHeld: (c: ProxiedConnection) => void; released: Promise<void> }> = [];
  const watchers = new Set<{ pattern: string; hit: () => void }>();
  const taps = new Set<{ pattern: string; onSeen: (c: ProxiedConnection, text: string) => boolean }>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const engine = net.connect(engineSocket());
    sockets.add(client).add(engine);
    const peerPort = client.remotePort ?? 0;
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      const hold = holds.find((h) => text.includes(h.pattern));
      if (!hold) {
        // In order behind any held bytes of this connection.
        queue = queue.then(() => {
          engine.write(chunk);
          for (const tap of [...taps]) if (text.includes(tap.pattern) && tap.onSeen({ peerPort }, text)) taps.delete(tap);
        });
        return;
      }
      holds.splice(holds.indexOf(hold), 1);
      client.pause();
      hold.onHeld({ peerPort });
      queue = queue.then(async () => {
        await hold.released;
        engine.write(chunk);
        client.resume();
      });
    });
    engine.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      for (const w of [...watchers]) if (text.includes(w.pattern)) w.hit();
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      engine.destroy();
      sockets.delete(client);
      sockets.delete(engine);
    };
    client.on('close', end).on('error', end);
    engine.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `tcp://127.0.0.1:${port}`,
    port,
    holdNext(pattern) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let onHeld!: (c: ProxiedConnection) => void;
      const held = new Promise<ProxiedConnection>((resolve) => (onHeld = resolve));
      holds.push({ pattern, onHeld, released });
      return { held, release };
    },
    tapNext(pattern, onSeen) {
      const tap = { pattern, onSeen };
      taps.add(tap);
      return () => taps.delete(tap);
    },
    answered(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const watcher = {
          pattern,
          hit: () => {
            clearTimeout(timer);
            watchers.delete(watcher);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          watchers.delete(watcher);
          reject(new Error(`the engine sent nothing with ${JSON.stringify(pattern)} within ${timeoutMs} ms`));
        }, timeoutMs);
        watchers.add(watcher);
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
