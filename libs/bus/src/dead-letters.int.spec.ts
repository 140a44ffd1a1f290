import { OutboundReady, topology, type OutboundReady as OutboundReadyEvent } from '@clawfleet/contracts';
import { ValidationError } from '@clawfleet/platform';
import { TEST_NATS_URL, uniqueNamespace } from '@clawfleet/testing';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { connectNats } from './connection';
import { ConsumerRunner } from './consumer';
import { HEADER_DLQ_REASON, HEADER_DLQ_SUBJECT } from './consumer';
import { getDeadLetter, HEADER_REDRIVEN_FROM, listDeadLetters, redriveDeadLetter, redriveDeadLetters } from './dead-letters';
import { makeEnvelope } from './envelope';
import { provision } from './provision';
import { Publisher } from './publisher';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

let nc: NatsConnection;
let jsm: JetStreamManager;
let publisher: Publisher;
const t = topology(uniqueNamespace('dlq'));

beforeAll(async () => {
  nc = await connectNats(TEST_NATS_URL, 'dead-letters-spec');
  jsm = await jetstreamManager(nc);
  publisher = new Publisher(jetstream(nc));
  await provision(jsm, t, { consumers: [] });
});
afterAll(async () => {
  for (const spec of Object.values(t.streams)) await jsm.streams.delete(spec.name).catch(() => undefined);
  await nc.drain();
});

function ready(text: string, seq: number): OutboundReadyEvent {
  return makeEnvelope(OutboundReady, {
    tenantId: 'acme',
    data: {
      outboundId: `0192f0a4-6f2e-7c3a-9b1d-${String(seq).padStart(12, '0')}`,
      sessionId: '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b82',
      turnId: null,
      seq,
      chat: { channel: 'telegram', chatId: '12' },
      text,
      kind: 'reply',
    },
  });
}

describe('dead letters', () => {
  it('keep payload and reason, and a redrive hands them to their consumer again, once', async () => {
    const spec = t.consumers.find((c) => c.group === 'delivery')!;
    await provision(jsm, t, { consumers: [spec] });
    // Refused until the operator has fixed what was wrong (here: a flag), then handled.
    let fixed = false;
    const handled: Array<{ text: string; redrivenFrom: string | undefined }> = [];
    const runner = new ConsumerRunner({
      js: jetstream(nc),
      topology: t,
      spec,
      publisher,
      logger: pino({ level: 'silent' }),
      concurrency: 4,
      handlers: new Map([
        [
          OutboundReady.type,
          async (event) => {
            const { text } = (event as OutboundReadyEvent).data;
            if (!fixed) throw new ValidationError(`cannot send "${text}" yet`);
            handled.push({ text, redrivenFrom: undefined });
          },
        ],
      ]),
    });
    runner.start();
    try {
      const first = ready('first', 1);
      await publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), first);
      await publisher.publish(OutboundReady, t.subjects.outboundReady('slack'), ready('other channel', 2));
      await waitFor('two dead letters', async () => (await listDeadLetters(jsm, t)).length === 2);

      const letters = await listDeadLetters(jsm, t, { subject: `${t.namespace}.outbound.ready.telegram` });
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        subject: t.subjects.outboundReady('telegram'),
        reason: 'cannot send "first" yet',
        consumer: spec.durable,
        deliveries: 1,
      });
      expect(JSON.parse(Buffer.from(letters[0].payload).toString())).toEqual(first);
      expect(await listDeadLetters(jsm, t, { since: new Date(Date.now() + 60_000) })).toEqual([]);

      fixed = true;
      const redriven = await redriveDeadLetters(jsm, publisher, t, { subject: `${t.namespace}.outbound.ready.>` });
      expect(redriven.map((l) => l.subject).sort()).toEqual(
        [t.subjects.outboundReady('slack'), t.subjects.outboundReady('telegram')].sort(),
      );
      await waitFor('both handled', () => handled.length === 2);
      expect(handled.map((h) => h.text).sort()).toEqual(['first', 'other channel']);
      expect(await listDeadLetters(jsm, t)).toEqual([]);

      // The redriven copy carries where it came from; a second redrive finds nothing to do.
      const outbound = await jsm.streams.getMessage(t.streams.OUTBOUND.name, {
        last_by_subj: t.subjects.outboundReady('telegram'),
      });
      expect(outbound?.header.get(HEADER_REDRIVEN_FROM)).toBe(String(letters[0].seq));
      expect(await redriveDeadLetters(jsm, publisher, t)).toEqual([]);
      await sleep(300);
      expect(handled).toHaveLength(2);
    } finally {
      await runner.stop(1_000);
    }
  });

  it('page after a sequence, and one is redriven by its sequence, once', async () => {
    const subject = t.subjects.turnRequested('acme', 'one-by-one');
    const seqs: number[] = [];
    for (const n of [1, 2, 3]) {
      const ack = await publisher.publishRaw({
        subject: t.subjects.deadLetter(subject),
        msgId: `dead-${n}`,
        payload: new TextEncoder().encode(`{"n":${n}}`),
        headers: { [HEADER_DLQ_SUBJECT]: subject, [HEADER_DLQ_REASON]: `reason ${n}` },
      });
      seqs.push(ack.seq);
    }
    const filter = { subject };
    expect((await listDeadLetters(jsm, t, { ...filter, limit: 2 })).map((l) => l.seq)).toEqual(seqs.slice(0, 2));
    expect((await listDeadLetters(jsm, t, { ...filter, afterSeq: seqs[1] })).map((l) => l.seq)).toEqual([seqs[2]]);
    expect(await getDeadLetter(jsm, t, seqs[1]!)).toMatchObject({ seq: seqs[1], subject, reason: 'reason 2' });

    const before = (await jsm.streams.info(t.streams.TURNS.name)).state.messages;
    expect(await redriveDeadLetter(jsm, publisher, t, seqs[1]!)).toMatchObject({ seq: seqs[1], subject });
    expect(await redriveDeadLetter(jsm, publisher, t, seqs[1]!)).toBeUndefined();
    expect(await getDeadLetter(jsm, t, seqs[1]!)).toBeUndefined();
    expect((await jsm.streams.info(t.streams.TURNS.name)).state.messages).toBe(before + 1);
    const back = await jsm.streams.getMessage(t.streams.TURNS.name, { last_by_subj: subject });
    expect(new TextDecoder().decode(back!.data)).toBe('{"n":2}');
    expect((await listDeadLetters(jsm, t, filter)).map((l) => l.seq)).toEqual([seqs[0], seqs[2]]);
  });
});
