import { ConflictError } from '@clawfleet/platform';
import type { EntityManager } from 'typeorm';
import type { EventStore } from './event-store';
import type { NewEvent, OutboxMessage, RecordedEvent } from './types';

export type Evolve<S, E extends { type: string; data: unknown }> = (state: S, event: RecordedEvent<E>) => S;

export interface SnapshotPolicy {
  /** Bump when the state's shape changes: older snapshots are then ignored and rebuilt. */
  readonly schemaVersion: number;
  /** Take a snapshot when this many events were read past the last one. */
  readonly every: number;
}

export interface Loaded<S> {
  readonly state: S;
  readonly version: number;
}

/** State = fold of the stream's events, starting from the newest snapshot when there is one. */
export async function loadState<S, E extends { type: string; data: unknown }>(
  store: EventStore,
  tenantId: string,
  streamId: string,
  evolve: Evolve<S, E>,
  initial: S,
  snapshots?: SnapshotPolicy,
): Promise<Loaded<S>> {
  const snapshot = snapshots && (await store.loadSnapshot<S>(tenantId, streamId, snapshots.schemaVersion));
  let state = snapshot ? snapshot.state : initial;
  let version = snapshot ? snapshot.version : 0;
  const events = (await store.readStream(tenantId, streamId, version)) as RecordedEvent<E>[];
  for (const event of events) {
    state = evolve(state, event);
    version = event.version;
  }
  if (snapshots && events.length >= snapshots.every) {
    await store.saveSnapshot(tenantId, streamId, { version, schemaVersion: snapshots.schemaVersion, state });
  }
  return { state, version };
}

export interface CommandStep<E extends { type: string; data: unknown }> {
  readonly events: readonly NewEvent<E>[];
  readonly outbox?: readonly OutboxMessage[];
}

/**
 * The one read → decide → append loop every writer shares. `decide` is pure; on a version conflict
 * the stream is read again and the decision retaken, a bounded number of times.
 */
export async function handleCommand<S, E extends { type: string; data: unknown }>(
  store: EventStore,
  target: { tenantId: string; streamId: string },
  model: { evolve: Evolve<S, E>; initial: S; snapshots?: SnapshotPolicy },
  decide: (state: S, version: number) => CommandStep<E>,
  options: { attempts?: number; manager?: EntityManager } = {},
): Promise<{ version: number; events: readonly NewEvent<E>[] }> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const { state, version } = await loadState(
      store,
      target.tenantId,
      target.streamId,
      model.evolve,
      model.initial,
      model.snapshots,
    );
    const step = decide(state, version);
    try {
      const newVersion = await store.append(target.tenantId, target.streamId, version, step.events, {
        outbox: step.outbox,
        manager: options.manager,
      });
      return { version: newVersion, events: step.events };
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
    }
  }
}
