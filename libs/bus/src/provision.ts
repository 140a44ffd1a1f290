import type { ConsumerSpec, StreamKey, StreamSpec, Topology } from '@clawfleet/contracts';
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

function streamConfig(spec: StreamSpec) {
  return {
    name: spec.name,
    description: spec.description,
    subjects: [...spec.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: spec.replicas,
    max_age: nanos(spec.maxAgeMs),
    max_bytes: spec.maxBytes,
    duplicate_window: nanos(spec.duplicateWindowMs),
    max_msgs_per_subject: spec.maxMsgsPerSubject ?? -1,
  };
}

type StreamLimits = Pick<
  ReturnType<typeof streamConfig>,
  'num_replicas' | 'max_age' | 'max_bytes' | 'max_msgs_per_subject'
>;

/**
 * The limit to keep, where 0 (max_age) and -1 (the others) mean "none": no limit declared keeps the
 * operator's; no limit on the stream stays none; otherwise the larger.
 */
function higher(declared: number, existing: number | undefined): number {
  if (existing === undefined) return declared;
  if (declared <= 0 || existing <= 0) return existing;
  return Math.max(declared, existing);
}

/**
 * What an update of an existing stream sets: the declared limits, except that it never lowers what
 * an operator raised — more replicas, a longer max age, more bytes or messages per subject are kept.
 * Every replica of every service provisions at start-up; none may undo a deliberate change (R3 → R1).
 */
export function mergeStreamLimits(declared: StreamLimits, existing: Partial<StreamLimits>): StreamLimits {
  return {
    num_replicas: Math.max(declared.num_replicas, existing.num_replicas ?? 0),
    max_age: higher(declared.max_age, existing.max_age),
    max_bytes: higher(declared.max_bytes, existing.max_bytes),
    max_msgs_per_subject: higher(declared.max_msgs_per_subject, existing.max_msgs_per_subject),
  };
}

const isRefused = (error: unknown) => error instanceof Error && /Permissions Violation/.test(error.message);

/** A stream the NATS user may not create or change: say which setting leaves it to the provisioner. */
function refusedStream(error: unknown, spec: StreamSpec): unknown {
  if (!isRefused(error)) return error;
  return new Error(
    `NATS refused to create or update stream ${spec.name} (${(error as Error).message}): where each service has its own NATS user, set BUS_PROVISION_STREAMS=false and run \`npm run nats-provision\` as the provisioner`,
    { cause: error },
  );
}

async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const config = streamConfig(spec);
  let existing;
  try {
    existing = (await jsm.streams.info(spec.name)).config;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
      return;
    } catch (addError) {
      if (isRefused(addError)) throw refusedStream(addError, spec);
      // Another process created it first: fall through to update.
      existing = (await jsm.streams.info(spec.name)).config;
    }
  }
  const { name: _name, retention: _retention, storage: _storage, ...mutable } = config;
  const limits = mergeStreamLimits(config, existing);
  const same =
    existing.description === mutable.description &&
    existing.duplicate_window === mutable.duplicate_window &&
    JSON.stringify(existing.subjects) === JSON.stringify(mutable.subjects) &&
    existing.num_replicas === limits.num_replicas &&
    existing.max_age === limits.max_age &&
    existing.max_bytes === limits.max_bytes &&
    existing.max_msgs_per_subject === limits.max_msgs_per_subject;
  if (!same) {
    await jsm.streams.update(spec.name, { ...mutable, ...limits }).catch((error: unknown) => {
      throw refusedStream(error, spec);
    });
  }
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
    // shorten ack_wait to its first step and redeliver long-running work. No server-side limit on
    // deliveries either: the client gives up by time (`dispositionOf`), and a message the server
    // stopped delivering would sit in the stream, neither handled nor dead-lettered.
    max_deliver: -1,
  };
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

/** Fails, saying what to do, unless the stream exists: for a service whose NATS user may not create streams. */
async function checkStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  try {
    await jsm.streams.info(spec.name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw new Error(
      `stream ${spec.name} does not exist: provision the bus first (\`npm run nats-provision\` with the provisioner's credentials), or set BUS_PROVISION_STREAMS=true where the service may create streams`,
    );
  }
}

/**
 * Creates or updates the streams and the given durable consumers. Idempotent: every service calls it
 * at start-up, so the topology in libs/contracts is the only place it is declared. `streams` as a
 * list: those are only checked, never created or changed (the provisioner's job, decision 21).
 */
export async function provision(
  jsm: JetStreamManager,
  topology: Topology,
  options: { consumers?: readonly ConsumerSpec[]; streams?: 'all' | readonly StreamKey[] } = {},
): Promise<void> {
  const streams = options.streams ?? 'all';
  if (streams === 'all') for (const spec of Object.values(topology.streams)) await ensureStream(jsm, spec);
  else for (const key of streams) await checkStream(jsm, topology.streams[key]);
  for (const spec of options.consumers ?? topology.consumers) {
    await ensureConsumer(jsm, topology.streams[spec.stream].name, spec);
  }
}
