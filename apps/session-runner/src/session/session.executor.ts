import { Bus } from '@clawfleet/bus';
import { TransientError, uuidV7Ids } from '@clawfleet/platform';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';
import { SessionLeases, type SessionRef } from '../work/session-leases';
import { LeaseLost, SessionRun, type SessionRunDeps } from './session.run';
import { SerialRuns } from './serial-runs';
import { SessionStore, type Loaded } from './session.store';
import { TURN_EFFECTS, type TurnEffects } from './turn.effects';

/**
 * How far inside its lease a runner may still start a tool call (at most a tenth of the lease): the
 * sandbox compares the deadline with its own clock, the same one on one machine, NTP-close on another.
 */
const FENCE_MARGIN_MS = 200;

/**
 * Decides which sessions this runner works on: the ones it is kicked for (a message recorded here)
 * and orphans a sweep finds (their runner died). It claims a session's lease, keeps renewing it while
 * a SessionRun works, and hands the session back when the run ends or fails.
 */
@Injectable()
export class SessionExecutor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly owner = `runner-${uuidV7Ids.next()}`;
  /**
   * One run per session here. A session kicked while its run is ending runs again: the run may have
   * settled its lease just before the kick's message was recorded.
   */
  private readonly runs = new SerialRuns<string>((error, session) =>
    this.logger.warn({ err: error, session }, 'session run failed'),
  );
  /** Per running session: aborts its current model or tool call when /stop arrives here. */
  private readonly interrupts = new Map<string, AbortController>();
  private readonly abort = new AbortController();
  private sweeper?: NodeJS.Timeout;

  private readonly runDeps: SessionRunDeps;

  constructor(
    private readonly store: SessionStore,
    private readonly leases: SessionLeases,
    bus: Bus,
    @Inject(TURN_EFFECTS) effects: TurnEffects,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('executor');
    const { owner, interrupts } = this;
    this.runDeps = { store, leases, bus, effects, config, owner, interrupts, shutdown: this.abort.signal };
  }

  onApplicationBootstrap() {
    const sweep = async () => {
      try {
        const free = this.config.RUNNER_MAX_SESSIONS - this.runs.size;
        if (free > 0) for (const session of await this.leases.findOrphaned(free)) this.kick(session);
      } catch (error) {
        this.logger.warn({ err: error }, 'sweep failed');
      }
      if (!this.abort.signal.aborted) this.sweeper = setTimeout(sweep, this.config.SESSION_SWEEP_MS);
    };
    this.sweeper = setTimeout(sweep, this.config.SESSION_SWEEP_MS);
  }

  async beforeApplicationShutdown() {
    clearTimeout(this.sweeper);
    this.abort.abort();
    await this.runs.drained();
  }

  /**
   * Whether intake may take this session here: it runs here already, or this runner works on fewer
   * than RUNNER_MAX_SESSIONS. A runner at capacity records a message without claiming its session,
   * which another runner's sweep (or this one's, once a run ends) then picks up.
   */
  hasRoomFor(streamId: string): boolean {
    return this.runs.has(streamId) || this.runs.size < this.config.RUNNER_MAX_SESSIONS;
  }

  /**
   * Cuts the session's current model or tool call short if this runner is running it, so a recorded
   * /stop takes effect now rather than when the call returns. (On another runner: when it returns.)
   */
  interrupt(streamId: string): void {
    this.interrupts.get(streamId)?.abort();
  }

  /** Whether this runner is making a model or tool call for the session now (what `interrupt` cuts short). */
  isCalling(streamId: string): boolean {
    return this.interrupts.has(streamId);
  }

  /**
   * Makes sure someone works on the session: this runner, unless it or another one already does.
   * `claimed`: this runner took the lease while writing the session at that state (intake), so the run
   * starts there without claiming or reading.
   */
  kick(session: SessionRef, claimed?: Loaded): void {
    if (this.abort.signal.aborted) {
      if (claimed) void this.leases.abandon(session, this.owner).catch(() => undefined);
      return;
    }
    // Run again from the store (claiming, which keeps a lease this runner holds), unless shutting down.
    const again = async () => {
      if (!this.abort.signal.aborted) await this.run(session);
    };
    this.runs.kick(session.streamId, () => this.run(session, claimed), again);
  }

  /**
   * Hands a session back after its run failed. The per-session circuit: a session whose runs fail
   * SESSION_MAX_FAILURES times in a row (without settling in between) is parked instead of being
   * picked up by every sweep again, calling the model each time. A dependency that is down
   * (TransientError) is not the session's fault and is not counted.
   */
  private async failed(session: SessionRef, error: unknown): Promise<void> {
    if (error instanceof TransientError) {
      await this.leases.abandon(session, this.owner).catch(() => undefined);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const parked = await this.leases
      .fail(session, this.owner, reason, this.config.SESSION_MAX_FAILURES)
      .catch(() => this.leases.abandon(session, this.owner).then(() => false, () => false));
    if (parked) this.logger.error({ session, reason }, 'session parked: its runs keep failing; release it to resume');
  }

  private async run(session: SessionRef, claimed?: Loaded): Promise<void> {
    const ttl = this.config.SESSION_LEASE_MS;
    // The lease is this runner's until `validUntil` by its own clock (monotonic), counted from before
    // the statement that took or renewed it. A process that was frozen (GC, a stopped VM, SIGSTOP)
    // past it may have lost the session to another runner without knowing yet: it appends nothing
    // more, forgets what it cached of the session, and hands the session back.
    let validUntil = performance.now() + ttl;
    if (!claimed && !(await this.leases.claim(session, this.owner, ttl))) return;
    let lost = false;
    const renewal = setInterval(() => {
      const asked = performance.now();
      this.leases.renew(session, this.owner, ttl).then(
        (ok) => {
          if (!ok) lost = true;
          else if (!lost) validUntil = Math.max(validUntil, asked + ttl);
        },
        () => undefined,
      );
    }, ttl / 3);
    const leaseLost = () => (lost ||= performance.now() >= validUntil);
    // A tool call starts only inside the lease as this runner counts it (already no later than the
    // store's expiry, see above), less a margin for the engine's clock if it is another machine's.
    const margin = Math.min(FENCE_MARGIN_MS, ttl / 10);
    const lease = {
      lost: leaseLost,
      startBy: () => (leaseLost() ? 0 : Date.now() + (validUntil - performance.now()) - margin),
    };
    try {
      await new SessionRun(this.runDeps, session, lease).execute(claimed);
    } catch (error) {
      if (error instanceof LeaseLost) {
        // Hand the session back (a no-op if another runner owns it now), so it does not wait for the lease to run out.
        await this.leases.abandon(session, this.owner).catch(() => undefined);
        this.store.forget(session.tenantId, session.streamId);
        this.logger.info({ session }, 'lease lost: stopped without writing');
        return;
      }
      await this.failed(session, error);
      throw error;
    } finally {
      clearInterval(renewal);
      this.interrupts.delete(session.streamId);
    }
  }
}
