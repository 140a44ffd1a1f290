import { Bus, makeEnvelope } from '@clawfleet/bus';
import { MAX_REPLY_CHARS, TurnProgressed } from '@clawfleet/contracts';
import { throttleLatest } from './progress';
import type { SessionEvent, ToolCall, ToolOutcome } from '@clawfleet/contracts';
import type { OutboxMessage } from '@clawfleet/event-store';
import { ConflictError, uuidV7Ids } from '@clawfleet/platform';
import { Inject, Injectable, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';
import { ModelError } from '../llm/llm.port';
import { SessionLeases, type SessionRef } from '../work/session-leases';
import { nextStep } from './session.decider';
import { evolve } from './session.state';
import { SessionStore } from './session.store';
import { TURN_EFFECTS, type RunningState, type TurnEffects } from './turn.effects';
import { cancelTurn, completeTurn, failTurn, sendNotice, statusText, suspendTurn } from './turn.outcomes';
import { isSuspension, type Suspension } from '../tools/tool.port';

class LeaseLost extends Error {}

/** What intake appends to a session whose turn is running. */
const INTAKE_EVENTS = new Set(['UserMessageAdded', 'CommandReceived', 'ModelChanged']);

/**
 * Runs sessions: while it holds a session's lease, it plans the next step from the recorded state,
 * performs it and records the result, until the session has nothing to do. Any replica can take over
 * from the last recorded event. Events without effects are recorded together with the next ones.
 */
@Injectable()
export class SessionExecutor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly owner = `runner-${uuidV7Ids.next()}`;
  private readonly active = new Map<string, Promise<void>>();
  /** Per running session: aborts its current model or tool call when /stop arrives here. */
  private readonly interrupts = new Map<string, AbortController>();
  private readonly abort = new AbortController();
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly store: SessionStore,
    private readonly leases: SessionLeases,
    private readonly bus: Bus,
    @Inject(TURN_EFFECTS) private readonly effects: TurnEffects,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('executor');
  }

  onApplicationBootstrap() {
    const sweep = async () => {
      try {
        const free = this.config.RUNNER_MAX_SESSIONS - this.active.size;
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
    await Promise.allSettled(this.active.values());
  }

  /**
   * Cuts the session's current model or tool call short if this runner is running it, so a recorded
   * /stop takes effect now rather than when the call returns. (On another runner: when it returns.)
   */
  interrupt(streamId: string): void {
    this.interrupts.get(streamId)?.abort();
  }

  /** Makes sure someone works on the session: this runner, unless it or another one already does. */
  kick(session: SessionRef): void {
    if (this.active.has(session.streamId) || this.abort.signal.aborted) return;
    const run = this.run(session)
      .catch((error) => this.logger.warn({ err: error, session: session.streamId }, 'session run failed'))
      .finally(() => this.active.delete(session.streamId));
    this.active.set(session.streamId, run);
  }

  private async run(session: SessionRef): Promise<void> {
    const ttl = this.config.SESSION_LEASE_MS;
    if (!(await this.leases.claim(session, this.owner, ttl))) return;
    let lost = false;
    const renewal = setInterval(() => {
      this.leases.renew(session, this.owner, ttl).then(
        (ok) => (lost ||= !ok),
        () => undefined,
      );
    }, ttl / 3);
    try {
      await this.work(session, () => lost);
    } catch (error) {
      // Hand the session back (a no-op if another runner owns it now), so it does not wait for the lease to run out.
      await this.leases.abandon(session, this.owner).catch(() => undefined);
      if (!(error instanceof LeaseLost)) throw error;
    } finally {
      clearInterval(renewal);
      this.interrupts.delete(session.streamId);
    }
  }

  /** Publishes the text of the answer while it is written (ephemeral), when enabled. */
  private progress(tenantId: string, state: RunningState) {
    if (this.config.PROGRESS_INTERVAL_MS === 0) return undefined;
    const { sessionId, chat, turn } = state;
    const subject = this.bus.topology.subjects.progress(chat.channel, tenantId, chat.chatId);
    return throttleLatest((text) => {
      const envelope = makeEnvelope(TurnProgressed, {
        tenantId,
        correlationId: turn.correlationId,
        causationId: turn.turnId,
        data: { sessionId, turnId: turn.turnId, chat, text: text.slice(0, MAX_REPLY_CHARS) },
      });
      this.bus.publisher.publishEphemeral(TurnProgressed, subject, envelope);
    }, this.config.PROGRESS_INTERVAL_MS);
  }

  private async work(session: SessionRef, leaseLost: () => boolean): Promise<void> {
    const { tenantId, streamId } = session;
    let { state, version } = await this.store.load(tenantId, streamId);
    const pending: SessionEvent[] = [];
    let outbox: OutboxMessage[] = [];
    const record = (events: SessionEvent[], messages: OutboxMessage[] = []) => {
      for (const event of events) state = evolve(state, event);
      pending.push(...events);
      outbox.push(...messages);
    };
    const flush = async () => {
      while (pending.length > 0) {
        if (leaseLost()) throw new LeaseLost();
        try {
          version = await this.store.append(tenantId, streamId, version, pending, outbox, state);
          pending.length = 0;
          outbox = [];
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          // Only intake may append while this runner holds the lease, and only what users send: any
          // other event means another runner took the session over, and this one must stop.
          const foreign = await this.store.events.readStream(tenantId, streamId, version);
          if (foreign.some((e) => !INTAKE_EVENTS.has(e.type))) throw new LeaseLost();
          // Replay our events on top and retry.
          const latest = await this.store.load(tenantId, streamId);
          ({ state, version } = latest);
          try {
            for (const event of pending) state = evolve(state, event);
          } catch {
            pending.length = 0; // our plan no longer fits what was recorded: plan again
            outbox = [];
            ({ state, version } = latest);
          }
        }
      }
    };

    /** A tool's outcome: a result for the model, or a suspension (recorded at once, with any question). */
    const settleTool = async (call: ToolCall, outcome: ToolOutcome | Suspension) => {
      const running = state as RunningState;
      if (!isSuspension(outcome)) {
        record([{ type: 'ToolCallCompleted', data: { turnId: running.turn.turnId, toolCallId: call.id, outcome } }]);
        return;
      }
      await commit(suspendTurn(running, tenantId, this.bus.topology, call.id, outcome));
    };

    /** A signal for one model or tool call: shutdown, or an interrupt of this session. */
    const callSignal = () => {
      const controller = new AbortController();
      this.interrupts.set(streamId, controller);
      return AbortSignal.any([this.abort.signal, controller.signal]);
    };
    const interrupted = () => this.interrupts.get(streamId)?.signal.aborted === true && !this.abort.signal.aborted;

    /** Records a step's outcome (events and the messages they cause) and commits it now. */
    const commit = async (outcome: { events: SessionEvent[]; outbox: OutboxMessage[] }) => {
      record(outcome.events, outcome.outbox);
      await flush();
    };
    /**
     * Runs a model call. Cut short by /stop (recorded by now): forgets what was not recorded and plans
     * again; by shutdown: returns; refused by the model: fails the turn with the model's reason.
     */
    const modelCall = async <T>(call: (signal: AbortSignal) => Promise<T>, what: (error: ModelError) => string) => {
      try {
        return await call(callSignal());
      } catch (error) {
        if (this.abort.signal.aborted) return undefined;
        if (interrupted()) {
          pending.length = 0;
          outbox = [];
          ({ state, version } = await this.store.load(tenantId, streamId));
          return undefined;
        }
        if (!(error instanceof ModelError)) throw error;
        const running = state as RunningState;
        await commit(
          failTurn(running, tenantId, this.bus.topology, {
            code: error.code,
            reason: what(error),
            retryable: error.retryable,
          }),
        );
        return undefined;
      }
    };

    for (;;) {
      if (this.abort.signal.aborted) {
        await flush();
        await this.leases.abandon(session, this.owner);
        return;
      }
      const step = nextStep(state, {
        maxRounds: this.config.TURN_MAX_ROUNDS,
        queueMode: this.config.QUEUE_MODE,
        compactAtTokens: Math.floor(this.config.MODEL_CONTEXT_TOKENS * this.config.COMPACT_AT),
      });
      const running = state as RunningState;
      switch (step.kind) {
        case 'wait':
          await flush();
          if (await this.leases.settle(session, this.owner, version)) return;
          ({ state, version } = await this.store.load(tenantId, streamId));
          break;
        case 'start-turn':
          record([
            {
              type: 'TurnStarted',
              data: { turnId: step.turnId, ...(step.collected && { collected: [...step.collected] }) },
            },
          ]);
          break;
        case 'call-model': {
          const progress = this.progress(tenantId, running);
          const response = await modelCall(
            (signal) => this.effects.callModel(tenantId, running, step.round, signal, progress?.update),
            (e) => e.message,
          );
          progress?.stop();
          if (response)
            record([{ type: 'ModelResponded', data: { turnId: running.turn.turnId, round: step.round, ...response } }]);
          break;
        }
        case 'run-tool': {
          const { call } = step;
          const turnId = running.turn.turnId;
          // Recorded before it runs: after a crash the runner knows the call may have had an effect.
          record([{ type: 'ToolCallStarted', data: { turnId, toolCallId: call.id, name: call.name } }]);
          await flush();
          await settleTool(
            call,
            await this.effects.runTool(call, {
              tenantId,
              sessionId: running.sessionId,
              turnId,
              toolCallId: call.id,
              signal: callSignal(),
            }),
          );
          break;
        }
        case 'recover-tool': {
          const { call } = step;
          const turnId = running.turn.turnId;
          const outcome = this.effects.isIdempotent(call.name)
            ? await this.effects.runTool(call, {
                tenantId,
                sessionId: running.sessionId,
                turnId,
                toolCallId: call.id,
                signal: this.abort.signal,
              })
            : ({
                status: 'interrupted',
                content: `The ${call.name} call was interrupted by a restart; whether it took effect is unknown.`,
              } as const);
          await settleTool(call, outcome);
          break;
        }
        case 'answer': {
          const { toolCallId, answeredBy, text } = step;
          record([
            {
              type: 'ToolCallCompleted',
              data: {
                turnId: (state as RunningState).turn.turnId,
                toolCallId,
                outcome: { status: 'ok', content: text },
                answeredBy,
              },
            },
          ]);
          break;
        }
        case 'complete': {
          await commit(completeTurn(running, tenantId, this.bus.topology, step.text));
          break;
        }
        case 'fail': {
          await commit(failTurn(running, tenantId, this.bus.topology, step));
          break;
        }
        case 'notify': {
          const active = state as Exclude<typeof state, { status: 'empty' }>;
          const { notice } = step;
          const text = notice.kind === 'status' ? statusText(active, this.effects.defaultModel) : notice.text;
          await commit(sendNotice(active, tenantId, this.bus.topology, notice, text));
          break;
        }
        case 'compact': {
          const { replacedItems } = step;
          const summary = await modelCall(
            (signal) => this.effects.summarize(tenantId, running, replacedItems, signal),
            (e) => `The conversation is too long for the model and could not be summarized: ${e.message}`,
          );
          if (summary) {
            const { text, model, usage } = summary;
            record([
              {
                type: 'ContextCompacted',
                data: { turnId: running.turn.turnId, replacedItems, summary: text, model, usage },
              },
            ]);
          }
          break;
        }
        case 'steer':
          record([{ type: 'MessagesSteered', data: { turnId: running.turn.turnId, turnIds: [...step.turnIds] } }]);
          break;
        case 'interrupt':
          record([{ type: 'TurnCancelled', data: { turnId: running.turn.turnId, reason: 'interrupted' } }]);
          await flush();
          break;
        case 'cancel': {
          await commit(cancelTurn(running, tenantId, this.bus.topology));
          break;
        }
        default:
          step satisfies never;
      }
    }
  }
}
