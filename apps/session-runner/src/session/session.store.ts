import type { SessionEvent } from '@clawfleet/contracts';
import { EventStore, loadState, type NewEvent, type OutboxMessage } from '@clawfleet/event-store';
import { deriveId, uuidV7Ids } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { evolve, initialState, type SessionState } from './session.state';

export const streamIdOf = (sessionId: string) => `session-${sessionId}`;

/** Bump when SessionState's shape changes: older snapshots are ignored and rebuilt. */
const SNAPSHOTS = { schemaVersion: 1, every: 100 };

/** Session streams in the event store: load (from a snapshot) and append with the expected version. */
@Injectable()
export class SessionStore {
  readonly events: EventStore;

  constructor(dataSource: DataSource) {
    this.events = new EventStore(dataSource);
  }

  load(tenantId: string, streamId: string): Promise<{ state: SessionState; version: number }> {
    return loadState<SessionState, SessionEvent>(this.events, tenantId, streamId, evolve, initialState, SNAPSHOTS);
  }

  append(
    tenantId: string,
    streamId: string,
    expectedVersion: number,
    events: readonly SessionEvent[],
    outbox: readonly OutboxMessage[] = [],
  ): Promise<number> {
    return this.events.append(tenantId, streamId, expectedVersion, events.map(withId), { outbox });
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
