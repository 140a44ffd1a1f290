import { topology, type Topology } from '@clawfleet/contracts';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** A test's own view of the bus: publish anything (garbage included), read streams, clean up. */
export interface BusProbe {
  readonly topology: Topology;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  publishRaw(subject: string, payload: string | Uint8Array, msgId?: string): Promise<void>;
  /** Core NATS, no stream: what ephemeral subjects (progress) carry. */
  publishCore(subject: string, payload: string): void;
  /** Every message on a stream, oldest first (up to `max`). */
  messages(stream: keyof Topology['streams'], max?: number): Promise<StoredMsg[]>;
  /** Deletes the namespace's streams and closes the connection. */
  close(): Promise<void>;
}

export async function openBusProbe(natsUrl: string, namespace: string): Promise<BusProbe> {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const topo = topology(namespace);
  return {
    topology: topo,
    js,
    jsm,
    async publishRaw(subject, payload, msgId) {
      await js.publish(subject, payload, msgId ? { msgID: msgId } : undefined);
    },
    publishCore(subject, payload) {
      nc.publish(subject, payload);
    },
    async messages(stream, max = 10_000) {
      const name = topo.streams[stream].name;
      const info = await jsm.streams.info(name);
      const out: StoredMsg[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && out.length < max; seq++) {
        const message = await jsm.streams.getMessage(name, { seq }).catch(() => null);
        if (message) out.push(message); // null: a deleted sequence
      }
      return out;
    },
    async close() {
      for (const spec of Object.values(topo.streams)) await jsm.streams.delete(spec.name).catch(() => undefined);
      await nc.close();
    },
  };
}
