import type { ConsumerSpec, StreamSpec, Topology } from '@clawfleet/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

const NOT_FOUND = new Set([10059, 10014]);

function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && NOT_FOUND.has(error.code);
}

function streamConfig(spec: StreamSpec, replicas: number) {
  return {
    name: spec.name,
    description: spec.description,
    subjects: [...spec.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    max_msgs_per_subject: spec.maxMsgsPerSubject ?? -1,
  };
}

function consumerConfig(spec: ConsumerSpec) {
  return {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    max_ack_pending: spec.maxAckPending,
    ack_wait: nanos(spec.ackWaitMs),
    // Redelivery delays are chosen by the client on nak: a server-side backoff would also
    // shorten ack_wait to its first step and redeliver long-running work.
    max_deliver: spec.maxDeliver,
  };
}

async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, replicas: number): Promise<void> {
  const config = streamConfig(spec, replicas);
  try {
    await jsm.streams.info(spec.name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
      return;
    } catch {
      // Another process created it first: fall through to update.
    }
  }
  const { name: _name, retention: _retention, storage: _storage, ...mutable } = config;
  await jsm.streams.update(spec.name, mutable);
}

async function ensureConsumer(jsm: JetStreamManager, streamName: string, spec: ConsumerSpec): Promise<void> {
  const config = consumerConfig(spec);
  try {
    await jsm.consumers.info(streamName, spec.durable);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.consumers.add(streamName, config);
      return;
    } catch {
      // Created concurrently: fall through to update.
    }
  }
  const { durable_name: _d, ack_policy: _a, deliver_policy: _p, filter_subject: _f, ...mutable } = config;
  await jsm.consumers.update(streamName, spec.durable, mutable);
}

/**
 * Creates or updates every stream and the given durable consumers. Idempotent: every service calls it
 * at start-up, so the topology in libs/contracts is the only place it is declared.
 */
export async function provision(
  jsm: JetStreamManager,
  topology: Topology,
  options: { replicas?: number; consumers?: readonly ConsumerSpec[] } = {},
): Promise<void> {
  const replicas = options.replicas ?? 1;
  for (const spec of Object.values(topology.streams)) await ensureStream(jsm, spec, replicas);
  for (const spec of options.consumers ?? topology.consumers) {
    await ensureConsumer(jsm, topology.streams[spec.stream].name, spec);
  }
}
