import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** Reads every message a stream holds now, oldest first, with an ordered consumer (nothing is acked or kept). */
export async function readWholeStream(nc: NatsConnection, stream: string, visit: (m: JsMsg) => void): Promise<void> {
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  if (info.state.messages === 0) return;
  const messages = await (await jetstream(nc).consumers.get(stream)).consume();
  for await (const m of messages) {
    visit(m);
    if (m.info.pending === 0) break;
  }
  await messages.close();
}
