import { Bus, OnEvent } from '@clawfleet/bus';
import { storableText, ToolCompleted, TurnRequested, type SessionEvent } from '@clawfleet/contracts';
import { UnstorableError, type OutboxMessage } from '@clawfleet/event-store';
import { ConflictError, KeyedQueue } from '@clawfleet/platform';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { AgentConfigs } from '../agents/agent-configs';
import { ModelError } from '../llm/llm.port';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';
import { decide, MessageGap, type RecordUserMessage, type SessionCommand } from './session.decider';
import { evolve, type SessionState } from './session.state';
import { WaitingMessages } from './waiting-messages';
import { SessionExecutor } from './session.executor';
import { SessionLeases, type SessionRef } from '../work/session-leases';
import { SessionStore, streamIdOf, type Loaded } from './session.store';
import { refusedMessageFact } from './turn.outcomes';

// The runner appends to the same stream between our read and our append; a conflict only means "read again".
const ATTEMPTS = 10;
/** How often messages that wait for a predecessor are tried again from the store. */
const WAITING_RETRY_MS = 250;

const lastSeqOf = (state: SessionState) => (state.status === 'empty' ? 0 : state.lastSeq);

/**
 * Records what arrives for a session (a message, a tool's outcome) in its stream, then makes sure a
 * runner works on it. The bus message is acked once the record is committed; the turn itself runs
 * outside the consumer, so a long turn never holds a message.
 */
@Injectable()
export class TurnConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  // The consumer hands over a session's messages in stream order (= seq order); recording them one
  // at a time per session keeps that order, instead of naking the ones that overtook a predecessor.
  private readonly sessions = new KeyedQueue();
  /** Messages that overtook their predecessor (redeliveries after a pause or a crash). */
  private readonly waiting = new WaitingMessages();
  private retrying?: NodeJS.Timeout;
  private tick?: Promise<void>;

  constructor(
    private readonly store: SessionStore,
    private readonly executor: SessionExecutor,
    private readonly leases: SessionLeases,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly agents: AgentConfigs,
    private readonly logger: PinoLogger,
    private readonly bus: Bus,
  ) {
    logger.setContext('intake');
  }

  onApplicationBootstrap() {
    this.retrying = setInterval(() => {
      this.tick ??= this.retryWaiting().finally(() => (this.tick = undefined));
    }, WAITING_RETRY_MS);
  }

  async onApplicationShutdown() {
    clearInterval(this.retrying);
    await this.tick;
  }

  @OnEvent('session-runner', TurnRequested)
  async onTurnRequested(event: TurnRequested): Promise<void> {
    const { sessionId, agentId, agentVersion, chat, turnId, seq, message, source, command } = event.data;
    const agentExtras = agentVersion === undefined ? undefined : await this.extrasOf(event.tenantId, agentId, agentVersion);
    const record: RecordUserMessage = {
      type: 'RecordUserMessage',
      sessionId,
      agentId,
      chat,
      turnId,
      seq,
      messageId: message.messageId,
      text: message.text,
      sender: message.sender,
      source,
      correlationId: event.correlationId,
      command,
      agentVersion,
      ...(agentExtras && { agentExtras }),
    };
    try {
      await this.record(event.tenantId, sessionId, record);
    } catch (error) {
      // Kept here too, so it is recorded the moment its predecessor is (the bus redelivers it anyway).
      if (error instanceof MessageGap) this.waiting.park(this.refOf(event.tenantId, sessionId), record, Date.now());
      throw error;
    }
    const streamId = streamIdOf(sessionId);
    if (command?.name === 'stop') this.executor.interrupt(streamId);
    // A message cuts a call short only in `interrupt` queue mode, and only a call this runner is making:
    // most messages find none, so they are acked without a look at their agent's configuration.
    else if (
      !command &&
      this.executor.isCalling(streamId) &&
      (await this.queueModeOf(event.tenantId, agentId, agentVersion)) === 'interrupt'
    )
      this.executor.interrupt(streamId);
  }

  /**
   * The MCP servers and skills of the version the message was routed with (the runner's cache: one
   * read per version), for `AgentConfigured`. A version that cannot be loaded records none: its turn
   * fails with the reason at its first model call.
   */
  private async extrasOf(tenantId: string, agentId: string, version: number) {
    try {
      const { mcpServers, skills } = await this.agents.resolve(tenantId, agentId, version);
      return { mcpServers, skills };
    } catch (error) {
      if (error instanceof ModelError) return undefined;
      throw error;
    }
  }

  private async queueModeOf(tenantId: string, agentId: string, version: number | undefined) {
    const agent = await this.agents.resolve(tenantId, agentId, version ?? null).catch(() => undefined);
    return agent?.queueMode ?? this.config.QUEUE_MODE;
  }

  @OnEvent('session-runner', ToolCompleted)
  async onToolCompleted(event: ToolCompleted): Promise<void> {
    const { sessionId, turnId, toolCallId, outcome } = event.data;
    await this.record(event.tenantId, sessionId, {
      type: 'RecordToolOutcome',
      turnId,
      toolCallId,
      outcome:
        outcome.status === 'ok'
          ? { status: 'ok', content: outcome.content }
          : outcome.status === 'error'
            ? { status: 'error', content: outcome.message }
            : { status: 'timeout', content: 'No answer came in time.' },
    });
  }

  /**
   * Read → decide → append, retried on a version conflict (the runner appends to the same stream). The
   * append claims the session's lease in the same statement; when it gets it, this process starts on
   * the state it just wrote, without another read.
   */
  private async record(tenantId: string, sessionId: string, command: SessionCommand): Promise<void> {
    const session = this.refOf(tenantId, sessionId);
    const results = await this.sessions.run(session.streamId, async () => {
      const appended = [await this.append(session, command)];
      // The messages that waited for this one go right after it, in order.
      for (;;) {
        const known = this.store.peek(tenantId, session.streamId);
        const next = known && this.waiting.next(session.streamId, lastSeqOf(known.state));
        if (!next) return appended;
        try {
          appended.push(await this.append(session, next));
        } catch (error) {
          if (!(error instanceof MessageGap)) throw error;
          this.waiting.park(session, next, Date.now());
          return appended;
        }
      }
    });
    // Appended but not claimed: another runner holds a live lease, and will see the new events, since
    // it can only give the session up at the version it last saw; or this runner is full, and the
    // session waits for a sweep (its lease is free, its stream past the settled version).
    if (results.every((r) => r === 'taken')) return;
    // Start on the state the last append wrote if it claimed; otherwise the run claims (a lease this
    // runner took with an earlier append is its own) and reads.
    const last = results[results.length - 1];
    this.executor.kick(session, last === 'taken' ? undefined : last);
  }

  /**
   * Tries the first waiting message of each session again from the store. A gap that outlasts
   * SESSION_GAP_TIMEOUT_MS while the store answers is settled: the missing messages are recorded as
   * skipped, with a notice to the user, and the session goes on. A store that does not answer
   * restarts the clock, so an outage never skips anything.
   */
  private async retryWaiting(): Promise<void> {
    for (const { session, command, since } of this.waiting.heads()) {
      const now = Date.now();
      const skipMissing = now - since >= this.config.SESSION_GAP_TIMEOUT_MS;
      try {
        await this.record(session.tenantId, command.sessionId, skipMissing ? { ...command, skipMissing } : command);
        if (skipMissing) this.logger.warn({ session, seq: command.seq }, 'gave up waiting for earlier messages; skipped them');
      } catch (error) {
        if (error instanceof MessageGap) continue;
        this.waiting.restart(session.streamId, now);
        this.logger.debug({ err: error, session }, 'retrying a waiting message failed');
      }
    }
  }

  /** What intake publishes with its append: the `turn.failed` of a refused message. */
  private factsOf(tenantId: string, events: readonly SessionEvent[], stateAfter: SessionState): OutboxMessage[] {
    if (stateAfter.status === 'empty') return [];
    return events.flatMap((e) =>
      e.type === 'MessageRefused' ? [refusedMessageFact(stateAfter, tenantId, this.bus.topology, e.data)] : [],
    );
  }

  private refOf(tenantId: string, sessionId: string): SessionRef {
    return { tenantId, streamId: streamIdOf(sessionId) };
  }

  private async append(session: SessionRef, command: SessionCommand): Promise<Loaded | 'taken' | undefined> {
    const { tenantId, streamId } = session;
    const claim = this.executor.hasRoomFor(streamId)
      ? this.leases.claimAlongside(session, this.executor.owner, this.config.SESSION_LEASE_MS)
      : undefined;
    for (let attempt = 1; ; attempt++) {
      // First try on what this process last saw (no read); a stale guess conflicts, or looks like a
      // gap, and is retaken on a fresh read.
      const peeked = attempt === 1 ? this.store.peek(tenantId, streamId) : undefined;
      const { state, version } = peeked ?? (await this.store.load(tenantId, streamId));
      let events;
      try {
        events = decide(command, state);
      } catch (error) {
        if (peeked) continue;
        throw error;
      }
      if (events.length === 0) {
        if (peeked) continue; // nothing to do, or only nothing yet: decide on the latest to be sure
        return undefined;
      }
      const stateAfter = events.reduce(evolve, state);
      try {
        const appended = await this.store.appendWith(tenantId, streamId, version, events, {
          stateAfter,
          alongside: claim,
          outbox: this.factsOf(tenantId, events, stateAfter),
        });
        return appended.alongside ? { state: stateAfter, version: appended.version } : 'taken';
      } catch (error) {
        // The store refuses this message's content for good (a character the database cannot keep):
        // its refusal takes its place in the order, so the session's next message does not wait for it.
        if (error instanceof UnstorableError && command.type === 'RecordUserMessage' && !command.refused) {
          this.logger.warn({ session, seq: command.seq, err: error }, 'the store refused a message: recorded as refused');
          command = { ...command, refused: { reason: storableText(error.message, 2_000) } };
          continue;
        }
        if (!(error instanceof ConflictError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }
}
