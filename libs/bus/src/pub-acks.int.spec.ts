import { TEST_NATS_URL, uniqueNamespace } from '@clawfleet/testing';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { connectNats } from './connection';
import { PubAcks } from './pub-acks';

const bytes = (text: string) => new TextEncoder().encode(text);

let nc: NatsConnection;
let jsm: JetStreamManager;
let acks: PubAcks;
const stream = uniqueNamespace('PUBACKS').toUpperCase();
const subject = (tail: string) => `${stream.toLowerCase()}.${tail}`;

beforeAll(async () => {
  nc = await connectNats(TEST_NATS_URL, 'pub-acks-spec');
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [subject('>')], max_msg_size: 1_000, duplicate_window: 60e9 });
  acks = new PubAcks(nc);
});

afterAll(async () => {
  acks?.close();
  await jsm?.streams.delete(stream).catch(() => undefined);
  await nc?.drain();
});

describe('PubAcks', () => {
  it('resolves each publish with its own ack, in order, and a repeated Nats-Msg-Id as a duplicate', async () => {
    const sent = await Promise.all(
      ['a', 'b', 'c'].map((id) => acks.publish(subject('x'), bytes(id), headers(), `id-${id}`, 5_000)),
    );
    expect(sent.map((a) => a.stream)).toEqual([stream, stream, stream]);
    expect(sent.map((a) => a.duplicate)).toEqual([false, false, false]);
    expect(sent[1]!.seq).toBe(sent[0]!.seq + 1);
    expect(sent[2]!.seq).toBe(sent[0]!.seq + 2);
    const again = await acks.publish(subject('x'), bytes('a'), headers(), 'id-a', 5_000);
    expect(again).toEqual({ stream, seq: sent[0]!.seq, duplicate: true });
    const stored = await jsm.streams.getMessage(stream, { seq: sent[1]!.seq });
    expect(stored?.header.get('Nats-Msg-Id')).toBe('id-b');
    expect(stored?.string()).toBe('b');
  });

  it('keeps the headers it is given', async () => {
    const h = headers();
    h.set('Clawfleet-Event-Type', 'probe');
    const ack = await acks.publish(subject('h'), bytes('{}'), h, 'with-headers', 5_000);
    const stored = await jsm.streams.getMessage(stream, { seq: ack.seq });
    expect(stored?.header.get('Clawfleet-Event-Type')).toBe('probe');
  });

  it('rejects at once when no stream takes the subject, not after its timeout', async () => {
    await expect(acks.publish('nobody.listens.here', bytes('x'), headers(), 'lost', 600_000)).rejects.toThrow(
      /no stream takes subject nobody\.listens\.here/,
    );
  });

  it('rejects with the reason when the stream refuses the message', async () => {
    await expect(acks.publish(subject('big'), bytes('x'.repeat(2_000)), headers(), 'too-big', 5_000)).rejects.toThrow(
      /JetStream refused the message: .*(size|maximum)/i,
    );
  });

  it('rejects what is pending when it is closed, and when the connection closes', async () => {
    const own = new PubAcks(nc);
    const pending = own.publish('nobody.listens.either', bytes('x'), headers(), 'p', 60_000);
    own.close();
    await expect(pending).rejects.toThrow(/closed/);

    const other = await connectNats(TEST_NATS_URL, 'pub-acks-closing');
    const closing = new PubAcks(other);
    await other.close();
    await expect(closing.publish(subject('x'), bytes('x'), headers(), 'after-close', 5_000)).rejects.toThrow();
  });
});
