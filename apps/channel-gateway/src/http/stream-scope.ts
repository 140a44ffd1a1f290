/** The client left (or the stream ended) while the stream was being set up. */
export class StreamClosed extends Error {
  constructor() {
    super('the reply stream was closed');
  }
}

type Release = () => unknown;

/**
 * Everything one reply stream holds (its slot, a JetStream consumer, a subscription, a timer),
 * released once, newest first, the moment the stream closes, whenever that is. A resource that
 * arrives after the close (the client left during an await) is released at once and `own` throws
 * StreamClosed, so setup code cannot forget a check between two awaits.
 */
export class StreamScope {
  private readonly releases: Release[] = [];
  private isClosed = false;

  constructor(private readonly counter: { held: number } = { held: 0 }) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Keeps `resource` until the stream closes; if it already has, releases it now and throws StreamClosed. */
  own<T>(resource: T, release: (resource: T) => unknown): T {
    const releaseIt = () => release(resource);
    this.counter.held++;
    if (this.isClosed) {
      this.run(releaseIt);
      throw new StreamClosed();
    }
    this.releases.push(releaseIt);
    return resource;
  }

  /** Throws StreamClosed once the stream closed: for a step that creates nothing of its own. */
  check(): void {
    if (this.isClosed) throw new StreamClosed();
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const release of this.releases.splice(0).reverse()) this.run(release);
  }

  private run(release: Release): void {
    this.counter.held--;
    try {
      const result = release();
      // An async release (deleting a consumer) fails on its own; the server's inactivity timeout is the backstop.
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // One failed release must not keep the others.
    }
  }
}
