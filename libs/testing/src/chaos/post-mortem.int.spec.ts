import { topology } from '@clawfleet/contracts';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { TEST_NATS_URL, uniqueNamespace } from '../infra';
import { traceUnanswered } from './post-mortem';
import type { SentRecord } from './types';

const ns = uniqueNamespace('pm');
const t = topology(ns);
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
  jsm = await jetstreamManager(nc);
  // The two streams it reads and a router consumer, as the platform provisions them (bus depends on this lib).
  for (const spec of [t.streams.INBOUND, t.streams.TURNS]) await jsm.streams.add({ name: spec.name, subjects: [...spec.subjects] });
  const router = t.consumers.find((c) => c.durable === t.consumerNames.router(3))!;
  await jsm.consumers.add(t.streams.INBOUND.name, {
    durable_name: router.durable,
    filter_subject: router.filterSubject,
    ack_policy: AckPolicy.Explicit,
  });
});

afterAll(async () => {
  for (const spec of [t.streams.INBOUND, t.streams.TURNS]) await jsm.streams.delete(spec.name).catch(() => undefined);
  await nc.close();
});

const sent = (chatId: string, messageId: string): SentRecord => ({
  chatId,
  index: 0,
  messageId,
  text: 'hi',
  tool: false,
  sentAt: Date.now(),
  status: 'accepted',
  attempts: 1,
});

it('says for each unanswered message whether JetStream stored it, how far its router got, and whether a turn was asked for', async () => {
  const js = jetstream(nc);
  const chatId = 'chat-1';
  const partition = 3;
  const subject = t.subjects.inboundReceived('http', partition);
  const inbound = (messageId: string) => JSON.stringify({ type: 'inbound.received', data: { messageId, chat: { chatId } } });
  const routed = await js.publish(subject, inbound('m-routed'));
  const stored = await js.publish(subject, inbound('m-stored'));
  await js.publish(t.subjects.turnRequested('tenant', 'session'), JSON.stringify({ data: { message: { messageId: 'm-routed' } } }));
  // The router takes the first message and acks it; the second is handed out and left pending.
  const router = await js.consumers.get(t.streams.INBOUND.name, t.consumerNames.router(partition));
  const first = await router.next({ expires: 2_000 });
  first!.ack();
  await first!.ackAck();
  await router.next({ expires: 2_000 });

  const traces = await traceUnanswered(TEST_NATS_URL, ns, [
    sent(chatId, 'm-routed'),
    sent(chatId, 'm-stored'),
    sent(chatId, 'm-never-stored'),
  ]);

  expect(traces).toEqual([
    expect.objectContaining({
      messageId: 'm-routed',
      inbound: expect.objectContaining({ seq: routed.seq, subject }),
      turnRequested: expect.objectContaining({ seq: 1 }),
    }),
    {
      chatId,
      messageId: 'm-stored',
      inbound: expect.objectContaining({ seq: stored.seq, subject }),
      routerConsumer: {
        name: t.consumerNames.router(partition),
        deliveredStreamSeq: stored.seq,
        ackFloorStreamSeq: routed.seq,
        numAckPending: 1,
        numPending: 0,
        numRedelivered: 0,
      },
    },
    { chatId, messageId: 'm-never-stored' },
  ]);
});

it('reads nothing when every message was answered', async () => {
  await expect(traceUnanswered('nats://127.0.0.1:1', ns, [])).resolves.toEqual([]);
});
