import type { SessionEvent } from '@clawfleet/contracts';
import {
  EventStore,
  StreamStateCache,
  type AlongsideWrite,
  type Loaded as LoadedState,
  type NewEvent,
  type OutboxMessage,
  type QueryRunnerLike,
} from '@clawfleet/event-store';
import { deriveId, queryPrepared, uuidV7Ids } from '@clawfleet/platform';
import { dailyUsageWrite, isEmptyUsage, sessionIndexWrite } from '@clawfleet/records';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';
import { OutboxRelayService } from '../work/outbox-relay.service';
import { evolve, initialState, type SessionState } from './session.state';
import { summaryOf, usageOf } from './session-summary';

export const streamIdOf = (sessionId: string) => `session-${sessionId}`;

/** A session's state at a version. */
export type Loaded = LoadedState<SessionState>;

/** Bump when SessionState's shape changes: older snapshots are ignored and rebuilt. */
const SNAPSHOTS = { schemaVersion: 3, every: 100 };

/** Publishes the outbox rows an append committed (the relay's fast path). */
export interface OutboxPublishing {
  /** The service whose relay publishes the rows (`outboxOwner`). */
  readonly owner: string;
  publishNow(messages: readonly OutboxMessage[], ids: readonly string[], run: QueryRunnerLike): Promise<void>;
}

/** Session streams in the event store: load (from a snapshot) and append with the expected version. */
@Injectable()
export class SessionStore {
  readonly events: EventStore;
  private readonly cache: StreamStateCache<SessionState, SessionEvent>;
  private readonly prepared: QueryRunnerLike;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(OutboxRelayService) private readonly relay: OutboxPublishing,
    @Optional() @Inject(RUNNER_CONFIG) config?: Pick<RunnerConfig, 'STATE_CACHE_MAX_BYTES'>,
  ) {
    this.events = new EventStore(dataSource);
    this.prepared = { query: async (sql, params = []) => (await queryPrepared(dataSource, sql, params)).rows };
    this.cache = new StreamStateCache(
      this.events,
      { evolve, initial: initialState, snapshots: SNAPSHOTS },
      { maxBytes: config?.STATE_CACHE_MAX_BYTES },
    );
  }

  load(tenantId: string, streamId: string): Promise<Loaded> {
    return this.cache.load(tenantId, streamId);
  }

  /** The last state this process saw, without a read: may be behind (see StreamStateCache.peek). */
  peek(tenantId: string, streamId: string): Loaded | undefined {
    return this.cache.peek(tenantId, streamId);
  }

  /** Drops what this process cached of the stream: the next load reads it from the store. */
  forget(tenantId: string, streamId: string): void {
    this.cache.forget(tenantId, streamId);
  }

  /** Appends at `expectedVersion`; `stateAfter` (the writer's own fold) lets the next load skip the read. */
  async append(
    tenantId: string,
    streamId: string,
    expectedVersion: number,
    events: readonly SessionEvent[],
    outbox: readonly OutboxMessage[] = [],
    stateAfter?: SessionState,
  ): Promise<number> {
    return (await this.appendWith(tenantId, streamId, expectedVersion, events, { outbox, stateAfter })).version;
  }

  /**
   * `append`, with a write that commits in the same statement (a lease claimed or settled); tells
   * whether that write took effect. With `stateAfter`, the same statement also writes the session's
   * row in the session index and adds the events' model usage to the day's (libs/records), so what
   * operators list is exactly what is recorded.
   */
  async appendWith(
    tenantId: string,
    streamId: string,
    expectedVersion: number,
    events: readonly SessionEvent[],
    options: { outbox?: readonly OutboxMessage[]; stateAfter?: SessionState; alongside?: AlongsideWrite },
  ): Promise<{ version: number; alongside: boolean }> {
    const { outbox = [], stateAfter, alongside } = options;
    const summary = stateAfter && summaryOf(tenantId, stateAfter);
    const usage = usageOf(events);
    const also = summary
      ? [sessionIndexWrite(summary), ...(isEmptyUsage(usage) ? [] : [dailyUsageWrite(tenantId, summary.agentId, usage)])]
      : [];
    const { version, outboxIds, alongsideRows } = await this.events.appendWithOutbox(
      tenantId,
      streamId,
      expectedVersion,
      events.map(withId),
      {
        outbox,
        outboxOwner: this.relay.owner, // only this service's relay may publish them
        notifyRelay: false, // published right below; the relay only sweeps what this misses
        alongside,
        also,
      },
    );
    if (stateAfter) this.cache.remember(tenantId, streamId, { state: stateAfter, version }, events);
    await this.relay.publishNow(outbox, outboxIds, this.prepared);
    return { version, alongside: alongsideRows > 0 };
  }
}

/** Events that answer a message get ids derived from it, so recording it twice is impossible. */
function withId(event: SessionEvent): NewEvent<SessionEvent> {
  switch (event.type) {
    case 'SessionStarted':
      return { ...event, id: deriveId('SessionStarted', event.data.sessionId) };
    case 'UserMessageAdded':
      return { ...event, id: deriveId('UserMessageAdded', event.data.turnId) };
    default:
      return { ...event, id: uuidV7Ids.next() };
  }
}
