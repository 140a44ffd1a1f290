import type { Bus } from '@clawfleet/bus';
import type { SessionEvent, ToolCall, ToolOutcome } from '@clawfleet/contracts';
import type { OutboxMessage } from '@clawfleet/event-store';
import { ConflictError } from '@clawfleet/platform';
import type { RunnerConfig } from '../config';
import { ModelError } from '../llm/llm.port';
import { Fenced } from '../sandbox/sandbox.port';
import { isSuspension, type ToolContext, type ToolResult } from '../tools/tool.port';
import type { SessionLeases, SessionRef } from '../work/session-leases';
import { progressOf } from './progress';
import { nextStep, type Step } from './session.decider';
import { evolve, type SessionState } from './session.state';
import type { Loaded, SessionStore } from './session.store';
import type { RunningState, TurnEffects } from './turn.effects';
import { cancelTurn, completeTurn, failTurn, sendFile, sendNotice, suspendTurn } from './turn.outcomes';

/** Another runner holds the session now: this one stops without writing. */
export class LeaseLost extends Error {}

/** The lease a run works under, by the runner's own clock (see SessionExecutor.run). */
export interface RunLease {
  /** The lease ran out (or another runner holds it): nothing more may be written. */
  lost(): boolean;
  /** The epoch ms after which no tool call may start: the lease's end less a margin (0 once lost). */
  startBy(): number;
}

/** What intake appends to a session whose turn is running. */
const INTAKE_EVENTS = new Set([
  'UserMessageAdded',
  'CommandReceived',
  'ModelChanged',
  'MessagesSkipped',
  'MessageRefused',
  'AgentConfigured',
]);

type Outcome = { events: SessionEvent[]; outbox: OutboxMessage[] };

export interface SessionRunDeps {
  readonly store: SessionStore;
  readonly leases: SessionLeases;
  readonly bus: Bus;
  readonly effects: TurnEffects;
  readonly config: RunnerConfig;
  readonly owner: string;
  /** Aborted on shutdown. */
  readonly shutdown: AbortSignal;
  /** Per running session: the controller of its current model or tool call (for /stop). */
  readonly interrupts: Map<string, AbortController>;
}

/**
 * One runner's work on one session while it holds the lease: plan the next step from the recorded
 * state, perform it, record the result, until nothing is left. Events without effects are recorded
 * together with the next ones (`pending`), so a simple turn is one commit.
 */
export class SessionRun {
  private state!: SessionState;
  private version = 0;
  private pending: SessionEvent[] = [];
  private outbox: OutboxMessage[] = [];
  /** The session was given up with the last append: nothing more may be written. */
  private settled = false;
  private limits: Parameters<typeof nextStep>[1];
  /** The agent version `limits` are of (undefined: not read yet). */
  private limitsVersion?: number | null;
  private readonly tenantId: string;
  private readonly streamId: string;

  constructor(
    private readonly deps: SessionRunDeps,
    private readonly session: SessionRef,
    private readonly lease: RunLease,
  ) {
    ({ tenantId: this.tenantId, streamId: this.streamId } = session);
    const { config } = deps;
    this.limits = {
      maxRounds: config.TURN_MAX_ROUNDS,
      queueMode: config.QUEUE_MODE,
      compactAtTokens: Math.floor(config.MODEL_CONTEXT_TOKENS * config.COMPACT_AT),
    };
  }

  /** `from`: the state the lease was claimed at (by intake, in the same statement); otherwise read. */
  async execute(from?: Loaded): Promise<void> {
    if (from) ({ state: this.state, version: this.version } = from);
    else await this.reload();
    const { config } = this.deps;
    for (;;) {
      if (this.deps.shutdown.aborted) {
        await this.flush();
        if (!this.settled) await this.deps.leases.abandon(this.session, this.deps.owner);
        return;
      }
      await this.refreshLimits();
      const step = nextStep(this.state, this.limits);
      if (step.kind === 'wait') {
        await this.flush();
        if (this.settled) return;
        const { leases, owner } = this.deps;
        if (await leases.settle(this.session, owner, this.version)) return;
        // Not settled: either something arrived meanwhile (go on), or the lease is someone else's now.
        if (!(await leases.renew(this.session, owner, config.SESSION_LEASE_MS))) throw new LeaseLost();
        await this.reload();
        continue;
      }
      await this.perform(step);
      if (this.settled) return;
    }
  }

  private async perform(step: Exclude<Step, { kind: 'wait' }>): Promise<void> {
    const { effects, bus } = this.deps;
    const { tenantId } = this;
    const running = this.state as RunningState;
    switch (step.kind) {
      case 'start-turn':
        return this.record([
          {
            type: 'TurnStarted',
            data: { turnId: step.turnId, ...(step.collected && { collected: [...step.collected] }) },
          },
        ]);
      case 'call-model': {
        const progress = progressOf(this.deps.bus, this.deps.config.PROGRESS_INTERVAL_MS, this.tenantId, running);
        const response = await this.modelCall((signal) =>
          effects.callModel(tenantId, running, step.round, signal, progress?.update),
        );
        progress?.stop();
        if (response)
          this.record([
            { type: 'ModelResponded', data: { turnId: running.turn.turnId, round: step.round, ...response } },
          ]);
        return;
      }
      case 'run-tool': {
        const { call } = step;
        // Recorded before it runs: after a crash the runner knows the call may have had an effect.
        this.record([
          { type: 'ToolCallStarted', data: { turnId: running.turn.turnId, toolCallId: call.id, name: call.name } },
        ]);
        await this.flush();
        return this.settleTool(call, await this.runTool(call, this.toolContext(running, call, this.callSignal())));
      }
      case 'recover-tool': {
        const { call } = step;
        const outcome = effects.isIdempotent(call.name)
          ? await this.runTool(call, this.toolContext(running, call, this.deps.shutdown))
          : ({
              status: 'interrupted',
              content: `The ${call.name} call was interrupted by a restart; whether it took effect is unknown.`,
            } as const);
        return this.settleTool(call, outcome);
      }
      case 'answer': {
        const { toolCallId, answeredBy, text } = step;
        const outcome = { status: 'ok' as const, content: text };
        return this.record([
          { type: 'ToolCallCompleted', data: { turnId: running.turn.turnId, toolCallId, outcome, answeredBy } },
        ]);
      }
      case 'complete':
        return this.commit(completeTurn(running, tenantId, bus.topology, step.text));
      case 'fail':
        return this.commit(failTurn(running, tenantId, bus.topology, step));
      case 'notify': {
        const active = this.state as Exclude<SessionState, { status: 'empty' }>;
        const { notice } = step;
        // status and usage are composed now, from the state and what was recorded; NoticeSent keeps the text.
        const text = notice.kind === 'text' ? notice.text : await effects.composeNotice(tenantId, active, notice.kind);
        return this.commit(sendNotice(active, tenantId, bus.topology, notice, text));
      }
      case 'compact': {
        const { replacedItems } = step;
        const summary = await this.modelCall(
          (signal) => effects.summarize(tenantId, running, replacedItems, signal),
          'summarizing the conversation, which is too long for the model',
        );
        if (!summary) return;
        const { text, model, usage, sanitized } = summary;
        return this.record([
          {
            type: 'ContextCompacted',
            data: {
              turnId: running.turn.turnId,
              replacedItems,
              summary: text,
              model,
              usage,
              ...(sanitized && { sanitized }),
            },
          },
        ]);
      }
      case 'steer':
        return this.record([
          { type: 'MessagesSteered', data: { turnId: running.turn.turnId, turnIds: [...step.turnIds] } },
        ]);
      case 'interrupt':
        return this.commit({
          events: [{ type: 'TurnCancelled', data: { turnId: running.turn.turnId, reason: 'interrupted' } }],
          outbox: [],
        });
      case 'cancel':
        return this.commit(cancelTurn(running, tenantId, bus.topology));
      default:
        return step satisfies never;
    }
  }

  private record(events: SessionEvent[], messages: OutboxMessage[] = []): void {
    for (const event of events) this.state = evolve(this.state, event);
    this.pending.push(...events);
    this.outbox.push(...messages);
  }

  /** Records a step's outcome (events and the messages they cause) and commits it now. */
  private async commit(outcome: Outcome): Promise<void> {
    this.record(outcome.events, outcome.outbox);
    await this.flush();
  }

  /**
   * Commits what is pending. When nothing is left to do after it, the same statement gives the session
   * up (settles the lease at the new version), and the run ends.
   */
  private async flush(): Promise<void> {
    const { store, leases, owner } = this.deps;
    while (this.pending.length > 0) {
      if (this.lease.lost()) throw new LeaseLost();
      const done = nextStep(this.state, this.limits).kind === 'wait';
      try {
        const appended = await store.appendWith(this.tenantId, this.streamId, this.version, this.pending, {
          outbox: this.outbox,
          stateAfter: this.state,
          ...(done && { alongside: leases.settleAlongside(this.session, owner) }),
        });
        this.version = appended.version;
        this.settled = appended.alongside;
        this.pending = [];
        this.outbox = [];
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // Only intake may append while this runner holds the lease, and only what users send: any
        // other event means another runner took the session over, and this one must stop.
        const foreign = await store.events.readStream(this.tenantId, this.streamId, this.version);
        if (foreign.some((e) => !INTAKE_EVENTS.has(e.type))) throw new LeaseLost();
        // Replay our events on top and retry; if they no longer fit, plan again.
        const latest = await store.load(this.tenantId, this.streamId);
        try {
          this.state = this.pending.reduce(evolve, latest.state);
          this.version = latest.version;
        } catch {
          await this.reload();
        }
      }
    }
  }

  /** Forgets what is not recorded and reads the latest state. */
  private async reload(): Promise<void> {
    this.pending = [];
    this.outbox = [];
    ({ state: this.state, version: this.version } = await this.deps.store.load(this.tenantId, this.streamId));
  }

  /**
   * A tool's outcome: a result for the model, or a suspension (recorded at once, with any question).
   * The result of a tool that is not idempotent is committed at once too: after a crash the model then
   * gets the real result, not "interrupted, outcome unknown". An idempotent tool's result rides along
   * with the next commit; if it is lost, the tool simply runs again.
   */
  private async settleTool(call: ToolCall, result: ToolResult | ToolOutcome): Promise<void> {
    const running = this.state as RunningState;
    const { topology } = this.deps.bus;
    if (isSuspension(result)) return this.commit(suspendTurn(running, this.tenantId, topology, call.id, result));
    // A file for the user goes out with the record of the call, in one commit: sent once, or not at all.
    const { send, ...outcome } = result as Exclude<ToolResult, { suspend: true }>;
    if (send) return this.commit(sendFile(running, this.tenantId, topology, call.id, outcome, send));
    this.record([{ type: 'ToolCallCompleted', data: { turnId: running.turn.turnId, toolCallId: call.id, outcome } }]);
    if (!this.deps.effects.isIdempotent(call.name)) await this.flush();
  }

  /**
   * Runs a tool under the lease: a call with an effect is fenced by it (the sandbox refuses to start
   * it once the lease has run out by this runner's clock, and the helper in the container once the
   * request arrives too late). A fenced call started nothing; the run stops as if the lease was lost.
   */
  private async runTool(call: ToolCall, context: ToolContext): Promise<ToolResult> {
    try {
      return await this.deps.effects.runTool(call, context);
    } catch (error) {
      if (error instanceof Fenced) throw new LeaseLost();
      throw error;
    }
  }

  private toolContext(state: RunningState, call: ToolCall, signal: AbortSignal): ToolContext {
    return {
      tenantId: this.tenantId,
      sessionId: state.sessionId,
      turnId: state.turn.turnId,
      toolCallId: call.id,
      signal,
      agentId: state.agentId,
      agentVersion: state.agentVersion ?? null,
      startBy: this.lease.startBy,
    };
  }

  /**
   * Rounds and queue mode come from the session's agent version. One that cannot be loaded keeps the
   * runner's defaults: its model call then fails the turn with the reason.
   */
  private async refreshLimits(): Promise<void> {
    if (this.state.status === 'empty') return;
    const version = this.state.agentVersion ?? null;
    if (version === this.limitsVersion) return;
    try {
      this.limits = { ...this.limits, ...(await this.deps.effects.limitsOf(this.tenantId, this.state)) };
    } catch {
      // see above
    }
    this.limitsVersion = version;
  }

  /** A signal for one model or tool call: shutdown, or an interrupt of this session. */
  private callSignal(): AbortSignal {
    const controller = new AbortController();
    this.deps.interrupts.set(this.streamId, controller);
    return AbortSignal.any([this.deps.shutdown, controller.signal]);
  }

  private interrupted(): boolean {
    return this.deps.interrupts.get(this.streamId)?.signal.aborted === true && !this.deps.shutdown.aborted;
  }

  /**
   * Runs a model call. Cut short by /stop (recorded by now): forgets what was not recorded and plans
   * again; by shutdown: returns; refused by the model: fails the turn, recording the model's reason
   * (prefixed with `doing`) and telling the user the short text for its kind.
   */
  private async modelCall<T>(call: (signal: AbortSignal) => Promise<T>, doing?: string): Promise<T | undefined> {
    try {
      return await call(this.callSignal());
    } catch (error) {
      if (this.deps.shutdown.aborted) return undefined;
      if (this.interrupted()) {
        await this.reload();
        return undefined;
      }
      if (!(error instanceof ModelError)) throw error;
      const reason = doing ? `${doing}: ${error.message}` : error.message;
      const failure = { code: error.code, reason, retryable: error.retryable };
      await this.commit(failTurn(this.state as RunningState, this.tenantId, this.deps.bus.topology, failure));
      return undefined;
    }
  }
}
