import { OnEvent } from '@clawfleet/bus';
import { ToolCompleted, TurnRequested } from '@clawfleet/contracts';
import { ConflictError, KeyedQueue } from '@clawfleet/platform';
import { Inject, Injectable } from '@nestjs/common';
import { AgentConfigs } from '../agents/agent-configs';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';
import { decide, type SessionCommand } from './session.decider';
import { evolve } from './session.state';
import { SessionExecutor } from './session.executor';
import { SessionLeases, type SessionRef } from '../work/session-leases';
import { SessionStore, streamIdOf, type Loaded } from './session.store';

// The runner appends to the same stream between our read and our append; a conflict only means "read again".
const ATTEMPTS = 10;

/**
 * Records what arrives for a session (a message, a tool's outcome) in its stream, then makes sure a
 * runner works on it. The bus message is acked once the record is committed; the turn itself runs
 * outside the consumer, so a long turn never holds a message.
 */
@Injectable()
export class TurnConsumer {
  // The consumer hands over a session's messages in stream order (= seq order); recording them one
  // at a time per session keeps that order, instead of naking the ones that overtook a predecessor.
  private readonly sessions = new KeyedQueue();

  constructor(
    private readonly store: SessionStore,
    private readonly executor: SessionExecutor,
    private readonly leases: SessionLeases,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly agents: AgentConfigs,
  ) {}

  @OnEvent('session-runner', TurnRequested)
  async onTurnRequested(event: TurnRequested): Promise<void> {
    const { sessionId, agentId, agentVersion, chat, turnId, seq, message, source, command } = event.data;
    await this.record(event.tenantId, sessionId, {
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
    });
    if (command?.name === 'stop' || (!command && (await this.queueModeOf(event.tenantId, agentId, agentVersion)) === 'interrupt'))
      this.executor.interrupt(streamIdOf(sessionId));
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
    const session = { tenantId, streamId: streamIdOf(sessionId) };
    const recorded = await this.sessions.run(session.streamId, () => this.append(session, command));
    // Appended but not claimed: another runner holds a live lease, and will see the new events, since
    // it can only give the session up at the version it last saw.
    if (recorded === 'taken') return;
    this.executor.kick(session, recorded);
  }

  private async append(session: SessionRef, command: SessionCommand): Promise<Loaded | 'taken' | undefined> {
    const { tenantId, streamId } = session;
    const claim = this.leases.claimAlongside(session, this.executor.owner, this.config.SESSION_LEASE_MS);
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
        });
        return appended.alongside ? { state: stateAfter, version: appended.version } : 'taken';
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }
}
