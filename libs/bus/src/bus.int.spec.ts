import 'reflect-metadata';
import {
  OutboundReady,
  TurnCompleted,
  topology,
  type AnyEvent,
  type ConsumerSpec,
  type OutboundReady as OutboundReadyEvent,
  type Topology,
} from '@clawfleet/contracts';
import { HealthModule, Readiness, TransientError, ValidationError } from '@clawfleet/platform';
import { TEST_NATS_URL, uniqueNamespace } from '@clawfleet/testing';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { Bus, BusModule, OnEvent } from './bus.module';
import { connectNats } from './connection';
import {
  ConsumerRunner,
  HEADER_DLQ_CONSUMER,
  HEADER_DLQ_DELIVERIES,
  HEADER_DLQ_REASON,
  HEADER_DLQ_STREAM_SEQ,
  HEADER_DLQ_SUBJECT,
  type EventHandler,
  type MessageContext,
} from './consumer';
import { makeEnvelope } from './envelope';
import { provision } from './provision';
import { Publisher } from './publisher';

const logger = pino({ level: 'silent' });
const encoder = new TextEncoder();

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ready(text = 'hello', seq = 1): OutboundReadyEvent {
  return makeEnvelope(OutboundReady, {
    tenantId: 'acme',
    data: {
      outboundId: '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b81',
      sessionId: '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b82',
      turnId: null,
      seq,
      chat: { channel: 'telegram', chatId: '12' },
      text,
      kind: 'reply',
    },
  });
}

let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let publisher: Publisher;
const namespaces: string[] = [];
const runners: ConsumerRunner[] = [];

beforeAll(async () => {
  nc = await connectNats(TEST_NATS_URL, 'bus-int-spec');
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  publisher = new Publisher(js, nc);
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop(1_000)));
  for (const ns of namespaces) {
    for (const spec of Object.values(topology(ns).streams)) await jsm.streams.delete(spec.name).catch(() => undefined);
  }
  await nc.drain();
});

/** A namespace of its own, with every stream provisioned and no consumer. */
async function freshTopology(): Promise<Topology> {
  const ns = uniqueNamespace('bus');
  namespaces.push(ns);
  const t = topology(ns);
  await provision(jsm, t, { consumers: [] });
  return t;
}

function deliverySpec(t: Topology, overrides: Partial<ConsumerSpec> = {}): ConsumerSpec {
  return { ...t.consumers.find((c) => c.group === 'delivery')!, backoffMs: [20, 50], minDeliveries: 5, retryBudgetMs: 0, ...overrides };
}

/** Provisions the consumer and starts a runner with one handler for outbound.ready. */
async function startRunner(t: Topology, handler: EventHandler, overrides: Partial<ConsumerSpec> = {}) {
  const spec = deliverySpec(t, overrides);
  await provision(jsm, t, { consumers: [spec] });
  const runner = new ConsumerRunner({
    js,
    topology: t,
    spec,
    handlers: new Map([[OutboundReady.type, handler]]),
    publisher,
    logger,
    concurrency: 8,
  });
  runners.push(runner);
  runner.start();
  return { spec, runner };
}

async function deadLetters(t: Topology): Promise<StoredMsg[]> {
  const info = await jsm.streams.info(t.streams.DLQ.name);
  const out: StoredMsg[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(t.streams.DLQ.name, { seq });
    if (msg) out.push(msg);
  }
  return out;
}

async function settled(t: Topology, spec: ConsumerSpec, delivered: number) {
  return waitFor(async () => {
    const info = await jsm.consumers.info(t.streams[spec.stream].name, spec.durable);
    return info.num_ack_pending === 0 && info.ack_floor.stream_seq >= delivered && info.num_pending === 0
      ? info
      : undefined;
  }, `consumer ${spec.durable} to ack through stream seq ${delivered}`);
}

describe('provision', () => {
  it('is idempotent when called twice', async () => {
    const t = await freshTopology();
    await provision(jsm, t);
    await provision(jsm, t);
    for (const spec of Object.values(t.streams)) {
      const info = await jsm.streams.info(spec.name);
      expect(info.config.subjects).toEqual(spec.subjects);
    }
    const inbound = await jsm.consumers.info(t.streams.INBOUND.name, t.consumerNames.router(3));
    expect(inbound.config.filter_subject).toBe(`${t.namespace}.inbound.received.*.3`);
    expect(inbound.config.max_ack_pending).toBe(1);
  });

  it('converges when three processes provision at once', async () => {
    const ns = uniqueNamespace('bus');
    namespaces.push(ns);
    const t = topology(ns);
    await Promise.all([provision(jsm, t), provision(jsm, t), provision(jsm, t)]);
    for (const spec of Object.values(t.streams)) await expect(jsm.streams.info(spec.name)).resolves.toBeDefined();
    for (const spec of t.consumers) {
      const info = await jsm.consumers.info(t.streams[spec.stream].name, spec.durable);
      expect(info.config.filter_subject).toBe(spec.filterSubject);
    }
  });

  it('updates the mutable settings of an existing consumer, and leaves deliveries unlimited on the server', async () => {
    const t = await freshTopology();
    const spec = deliverySpec(t, { maxAckPending: 5 });
    await provision(jsm, t, { consumers: [spec] });
    await provision(jsm, t, { consumers: [{ ...spec, maxAckPending: 7 }] });
    const info = await jsm.consumers.info(t.streams.OUTBOUND.name, spec.durable);
    expect(info.config.max_ack_pending).toBe(7);
    // The client gives up by time; a server-side max_deliver would strand a message undelivered.
    expect(info.config.max_deliver).toBe(-1);
  });

  it('never lowers what an operator raised on an existing stream, and applies configured limits', async () => {
    const t = await freshTopology();
    const name = t.streams.TURNS.name;
    const before = (await jsm.streams.info(name)).config;
    expect(before).toMatchObject({ num_replicas: 1, max_bytes: -1 });
    // An operator gives TURNS a longer max age and a byte limit by hand.
    const longer = before.max_age * 2;
    await jsm.streams.update(name, { ...before, max_age: longer, max_bytes: 512 * 1024 * 1024 });
    await provision(jsm, t, { consumers: [] });
    const after = (await jsm.streams.info(name)).config;
    expect(after).toMatchObject({ max_age: longer, max_bytes: 512 * 1024 * 1024, num_replicas: 1 });

    // A configured limit above the operator's is applied.
    const tuned = topology(t.namespace, { streams: { maxBytes: 1024 * 1024 * 1024 } });
    await provision(jsm, tuned, { consumers: [] });
    expect((await jsm.streams.info(name)).config).toMatchObject({ max_age: longer, max_bytes: 1024 * 1024 * 1024 });
  });
});

describe('publisher', () => {
  it('lets JetStream drop a second publish with the same message id', async () => {
    const t = await freshTopology();
    const event = ready();
    const first = await publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), event);
    const second = await publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), event);
    expect(first.duplicate).toBe(false);
    expect(second).toMatchObject({ duplicate: true, seq: first.seq });
    expect((await jsm.streams.info(t.streams.OUTBOUND.name)).state.messages).toBe(1);
  });

  it('refuses an invalid event before it reaches the bus', async () => {
    const t = await freshTopology();
    const event = ready();
    await expect(
      publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), { ...event, tenantId: 'Not A Tenant' }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect((await jsm.streams.info(t.streams.OUTBOUND.name)).state.messages).toBe(0);
  });
});

describe('ConsumerRunner', () => {
  it('hands a valid event to its handler once and acks it', async () => {
    const t = await freshTopology();
    const seen: Array<{ event: AnyEvent; ctx: MessageContext }> = [];
    const { spec } = await startRunner(t, async (event, ctx) => void seen.push({ event, ctx }));
    const event = ready();
    const ack = await publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), event);

    await waitFor(() => seen.length === 1, 'the handler');
    const info = await settled(t, spec, ack.seq);
    expect(seen[0].event).toEqual(event);
    expect(seen[0].ctx).toEqual({
      subject: t.subjects.outboundReady('telegram'),
      streamSeq: ack.seq,
      deliveryCount: 1,
      consumer: spec.durable,
      publishedAt: expect.any(Number),
    });
    expect(Math.abs(seen[0].ctx.publishedAt - Date.now())).toBeLessThan(60_000);
    expect(info.delivered.stream_seq).toBe(ack.seq);
    expect(info.num_redelivered).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('redelivers after a TransientError and acks when the handler then succeeds', async () => {
    const t = await freshTopology();
    const attempts: number[] = [];
    const { spec } = await startRunner(t, async (_event, ctx) => {
      attempts.push(ctx.deliveryCount);
      if (ctx.deliveryCount === 1) throw new TransientError('database restarting');
    });
    const ack = await publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), ready());

    await waitFor(() => attempts.length === 2, 'the redelivery');
    await settled(t, spec, ack.seq);
    expect(attempts).toEqual([1, 2]);
    expect(await deadLetters(t)).toHaveLength(0);
  });

  it('dead-letters on a ValidationError, with the reason in headers, and serves the next message', async () => {
    const t = await freshTopology();
    const texts: string[] = [];
    const { spec } = await startRunner(t, async (event) => {
      const text = (event as OutboundReadyEvent).data.text;
      texts.push(text);
      if (text === 'poison') throw new ValidationError('chat 12 does not exist');
    });
    const subject = t.subjects.outboundReady('telegram');
    const poison = ready('poison');
    const first = await publisher.publish(OutboundReady, subject, poison);

    const [dead] = await waitFor(async () => {
      const found = await deadLetters(t);
      return found.length > 0 ? found : undefined;
    }, 'the dead letter');
    expect(dead.subject).toBe(t.subjects.deadLetter(subject));
    expect(dead.header.get(HEADER_DLQ_REASON)).toBe('chat 12 does not exist');
    expect(dead.header.get(HEADER_DLQ_CONSUMER)).toBe(spec.durable);
    expect(dead.header.get(HEADER_DLQ_SUBJECT)).toBe(subject);
    expect(dead.header.get(HEADER_DLQ_STREAM_SEQ)).toBe(String(first.seq));
    expect(dead.header.get(HEADER_DLQ_DELIVERIES)).toBe('1');
    expect(dead.header.get('Clawfleet-Event-Type')).toBe(OutboundReady.type);
    expect(JSON.parse(dead.string())).toEqual(poison);

    const next = await publisher.publish(OutboundReady, subject, ready('fine', 2));
    await waitFor(() => texts.includes('fine'), 'the next message');
    await settled(t, spec, next.seq);
    expect(texts).toEqual(['poison', 'fine']);
    expect(await deadLetters(t)).toHaveLength(1);
  });

  it('dead-letters malformed bytes with the reason and keeps serving', async () => {
    const t = await freshTopology();
    const texts: string[] = [];
    const { spec } = await startRunner(t, async (event) => void texts.push((event as OutboundReadyEvent).data.text));
    const subject = t.subjects.outboundReady('slack');
    const raw = (value: unknown) =>
      js.publish(subject, encoder.encode(typeof value === 'string' ? value : JSON.stringify(value)));

    await raw('this is not json');
    await raw({ ...ready(), schemaVersion: 9 });
    await raw({ ...ready(), type: 'outbound.vanished' });
    await raw({ ...ready(), data: { text: 'no chat' } });
    const completed = makeEnvelope(TurnCompleted, {
      tenantId: 'acme',
      data: {
        sessionId: '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b82',
        turnId: '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b83',
        agentId: 'a',
        usage: { inputTokens: 1, outputTokens: 1 },
        modelCalls: 1,
        toolCalls: 0,
      },
    });
    await raw(completed);
    const last = await publisher.publish(OutboundReady, subject, ready('after the garbage'));

    await waitFor(() => texts.length === 1, 'the valid message');
    await settled(t, spec, last.seq);
    const dead = await waitFor(async () => {
      const found = await deadLetters(t);
      return found.length === 5 ? found : undefined;
    }, 'five dead letters');
    // Handled concurrently: the dead letters may be stored in any order.
    const reasons = new Map(dead.map((m) => [m.header.get(HEADER_DLQ_STREAM_SEQ), m.header.get(HEADER_DLQ_REASON)]));
    expect(Object.fromEntries(reasons)).toEqual({
      '1': 'message is not valid JSON',
      '2': 'unsupported schemaVersion 9 for outbound.ready (expected 1)',
      '3': 'unknown event type "outbound.vanished"',
      '4': expect.stringMatching(/^invalid outbound.ready event: data\.outboundId: .*data\.chat: /),
      '5': `no handler for turn.completed on consumer ${spec.durable}`,
    });
    expect(new Set(dead.map((m) => m.subject))).toEqual(new Set([t.subjects.deadLetter(subject)]));
    expect(dead.find((m) => m.header.get(HEADER_DLQ_STREAM_SEQ) === '1')!.string()).toBe('this is not json');
    expect(texts).toEqual(['after the garbage']);
  });

  it('dead-letters a message whose handler keeps failing once its retry budget is spent', async () => {
    const t = await freshTopology();
    const attempts: number[] = [];
    const { spec } = await startRunner(
      t,
      async (_event, ctx) => {
        attempts.push(ctx.deliveryCount);
        throw new Error('socket hang up');
      },
      { minDeliveries: 3, retryBudgetMs: 0, backoffMs: [10, 20] },
    );
    const ack = await publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), ready());

    const [dead] = await waitFor(async () => {
      const found = await deadLetters(t);
      return found.length > 0 ? found : undefined;
    }, 'the dead letter');
    await settled(t, spec, ack.seq);
    expect(attempts).toEqual([1, 2, 3]);
    expect(dead.header.get(HEADER_DLQ_REASON)).toMatch(/^gave up after 3 deliveries in \d+ s: socket hang up$/);
    expect(dead.header.get(HEADER_DLQ_DELIVERIES)).toBe('3');
  });

  it('stop() waits for the handler in flight, which is then acked', async () => {
    const t = await freshTopology();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    let finished = false;
    const { spec, runner } = await startRunner(t, async () => {
      started = true;
      await gate;
      finished = true;
    });
    const ack = await publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), ready());
    await waitFor(() => started, 'the handler to start');

    let stopped = false;
    const stopping = runner.stop(10_000).then(() => (stopped = true));
    await pause(200);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    await settled(t, spec, ack.seq);
  });

  it('stop() gives up on a stuck handler after the grace period; the message stays unacknowledged', async () => {
    const t = await freshTopology();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const { spec, runner } = await startRunner(t, async () => {
      started = true;
      await gate;
      throw new TransientError('interrupted');
    });
    await publisher.publish(OutboundReady, t.subjects.outboundReady('telegram'), ready());
    await waitFor(() => started, 'the handler to start');

    const before = Date.now();
    await runner.stop(150);
    expect(Date.now() - before).toBeLessThan(2_000);
    const info = await jsm.consumers.info(t.streams.OUTBOUND.name, spec.durable);
    expect(info.num_ack_pending).toBe(1);
    release();
  });
});

describe('BusModule', () => {
  @Injectable()
  class DeliveryHandler {
    readonly received: OutboundReadyEvent[] = [];

    @OnEvent('delivery', OutboundReady)
    async onReady(event: OutboundReadyEvent) {
      this.received.push(event);
    }
  }

  it('provisions, discovers @OnEvent handlers and feeds them, then shuts down cleanly', async () => {
    const ns = uniqueNamespace('bus');
    namespaces.push(ns);

    @Module({
      imports: [
        LoggerModule.forRoot({ pinoHttp: { logger } }),
        HealthModule,
        BusModule.forRoot({ url: TEST_NATS_URL, namespace: ns, service: 'bus-module-spec', shutdownGraceMs: 2_000 }),
      ],
      providers: [DeliveryHandler],
    })
    class AppModule {}

    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      const bus = app.get(Bus);
      const handler = app.get(DeliveryHandler);
      expect(await app.get(Readiness).report()).toEqual({ ready: true, checks: { nats: 'ok' } });

      // Only the consumers of groups that have handlers exist.
      const t = topology(ns);
      await expect(jsm.consumers.info(t.streams.OUTBOUND.name, t.consumerNames.delivery)).resolves.toBeDefined();
      await expect(jsm.consumers.info(t.streams.TURNS.name, t.consumerNames.sessionRunner)).rejects.toThrow();

      const event = ready('through nest');
      await bus.publisher.publish(OutboundReady, bus.topology.subjects.outboundReady('http'), event);
      await waitFor(() => handler.received.length === 1, 'the @OnEvent handler');
      expect(handler.received).toEqual([event]);
      await settled(
        t,
        bus.topology.consumers.find((c) => c.group === 'delivery')!,
        1,
      );
    } finally {
      await app.close();
    }
    expect(app.get(Bus).connection.isClosed()).toBe(true);
  });
});
