import {
  AttachmentName,
  base64Bytes,
  Channel,
  chatKey,
  Events,
  INBOUND_PARTITIONS,
  MAX_ATTACHMENT_BYTES,
  MAX_MESSAGE_CHARS,
  MAX_REPLY_CHARS,
  partitionOf,
  topology,
  type EventType,
} from './index';

const SESSION = '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b8c';
const TURN = '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b8d';
const OUTBOUND = '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b8e';
const chat = { channel: 'telegram', chatId: '-100123' } as const;
const sender = { id: '42' };

/** Only required fields, so that removing any one must be rejected. */
const sampleData: Record<EventType, Record<string, unknown>> = {
  'inbound.received': { chat, messageId: 'upd-1', sender, text: 'hello', receivedAt: '2025-01-02T03:04:05.000Z' },
  'turn.requested': {
    sessionId: SESSION,
    agentId: 'helper',
    turnId: TURN,
    seq: 1,
    chat,
    message: { messageId: 'upd-1', text: 'hello', sender },
    source: 'user',
  },
  'tool.completed': {
    sessionId: SESSION,
    turnId: TURN,
    toolCallId: 'call_1',
    outcome: { status: 'ok', content: '42' },
  },
  'outbound.ready': { outboundId: OUTBOUND, sessionId: SESSION, turnId: null, seq: 1, chat, text: 'hi', kind: 'reply' },
  'turn.completed': {
    sessionId: SESSION,
    turnId: TURN,
    agentId: 'helper',
    usage: { inputTokens: 10, outputTokens: 5 },
    modelCalls: 1,
    toolCalls: 0,
  },
  'turn.failed': { sessionId: SESSION, turnId: TURN, agentId: 'helper', code: 'llm', reason: 'down', retryable: true },
  'delivery.succeeded': { outboundId: OUTBOUND, sessionId: SESSION, chat, channelMessageIds: ['7'] },
  'delivery.failed': { outboundId: OUTBOUND, sessionId: SESSION, chat, reason: 'blocked by user' },
  'http.reply.posted': {
    outboundId: OUTBOUND,
    sessionId: SESSION,
    turnId: TURN,
    seq: 2,
    chat,
    text: 'hi',
    kind: 'notice',
  },
  'turn.progressed': { sessionId: SESSION, turnId: TURN, chat, text: 'half an ans' },
  'provisioning.changed': { kind: 'agent' },
};

const definitions = Object.values(Events);

function envelopeOf(type: EventType, data: unknown = sampleData[type]) {
  return {
    id: '0192f0a4-6f2e-7c3a-9b1d-000000000001',
    type,
    schemaVersion: Events[type].schemaVersion,
    occurredAt: '2025-01-02T03:04:05.000+01:00',
    tenantId: 'acme',
    correlationId: '0192f0a4-6f2e-7c3a-9b1d-000000000001',
    causationId: null,
    data,
  };
}

const accepts = (type: EventType, value: unknown) => Events[type].envelope.safeParse(value).success;

/** Path → a value set at that path (a copy: samples stay untouched). */
function withDataAt(type: EventType, path: string[], value: unknown) {
  const data = structuredClone(sampleData[type]);
  let node = data as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]] = value;
  return envelopeOf(type, data);
}

/** NATS subject matching: `*` is one token, `>` one or more trailing tokens. */
function matches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

describe('event definitions', () => {
  it('has a sample for every event on the bus', () => {
    expect(Object.keys(sampleData).sort()).toEqual(Object.keys(Events).sort());
  });

  describe.each(definitions.map((d) => [d.type as EventType]))('%s', (type) => {
    it('accepts a valid envelope', () => {
      const result = Events[type].envelope.safeParse(envelopeOf(type));
      expect(result.error).toBeUndefined();
    });

    it.each(Object.keys(sampleData[type]))('rejects data without %s', (field) => {
      const data = { ...sampleData[type] };
      delete data[field];
      expect(accepts(type, envelopeOf(type, data))).toBe(false);
    });

    it.each(['id', 'type', 'schemaVersion', 'occurredAt', 'tenantId', 'correlationId', 'causationId', 'data'])(
      'rejects an envelope without %s',
      (field) => {
        const envelope: Record<string, unknown> = envelopeOf(type);
        delete envelope[field];
        expect(accepts(type, envelope)).toBe(false);
      },
    );

    it.each(['Acme', 'ac.me', 'ac me', '', '-acme', 'a*', 'a'.repeat(64)])('rejects tenantId %j', (tenantId) => {
      expect(accepts(type, { ...envelopeOf(type), tenantId })).toBe(false);
    });

    it('rejects another type, another schema version, a non-UUID id and a bad timestamp', () => {
      const other = definitions.find((d) => d.type !== type)!.type;
      expect(accepts(type, { ...envelopeOf(type), type: other })).toBe(false);
      expect(accepts(type, { ...envelopeOf(type), schemaVersion: Events[type].schemaVersion + 1 })).toBe(false);
      expect(accepts(type, { ...envelopeOf(type), id: 'not-a-uuid' })).toBe(false);
      expect(accepts(type, { ...envelopeOf(type), occurredAt: 'yesterday' })).toBe(false);
    });

    if ('chat' in sampleData[type]) {
      it.each(['a.b', 'a*', '>', 'a b', ''])('rejects chatId %j', (chatId) => {
        expect(accepts(type, withDataAt(type, ['chat', 'chatId'], chatId))).toBe(false);
      });

      it('rejects an unknown channel; takes every channel to come and a Slack thread_ts', () => {
        expect(accepts(type, withDataAt(type, ['chat', 'channel'], 'irc'))).toBe(false);
        for (const channel of ['telegram', 'slack', 'openai'])
          expect(accepts(type, withDataAt(type, ['chat', 'channel'], channel))).toBe(true);
        expect(accepts(type, withDataAt(type, ['chat'], { ...chat, threadId: '1712345678.123456' }))).toBe(true);
        expect(accepts(type, withDataAt(type, ['chat'], { ...chat, threadId: 't-1' }))).toBe(true);
        expect(accepts(type, withDataAt(type, ['chat'], { ...chat, threadId: 't*1' }))).toBe(false);
        expect(accepts(type, withDataAt(type, ['chat'], { ...chat, threadId: 't 1' }))).toBe(false);
      });
    }
  });
});

describe('message size limits', () => {
  const userText: Array<[EventType, string[]]> = [
    ['inbound.received', ['text']],
    ['turn.requested', ['message', 'text']],
  ];

  it.each(userText)('%s accepts a user text of exactly MAX_MESSAGE_CHARS and rejects one more', (type, path) => {
    expect(accepts(type, withDataAt(type, path, 'x'.repeat(MAX_MESSAGE_CHARS)))).toBe(true);
    expect(accepts(type, withDataAt(type, path, 'x'.repeat(MAX_MESSAGE_CHARS + 1)))).toBe(false);
    expect(accepts(type, withDataAt(type, path, ''))).toBe(false);
  });

  it.each(['outbound.ready', 'http.reply.posted'] as EventType[])('%s bounds reply text by MAX_REPLY_CHARS', (type) => {
    expect(accepts(type, withDataAt(type, ['text'], 'x'.repeat(MAX_REPLY_CHARS)))).toBe(true);
    expect(accepts(type, withDataAt(type, ['text'], 'x'.repeat(MAX_REPLY_CHARS + 1)))).toBe(false);
    expect(accepts(type, withDataAt(type, ['text'], ''))).toBe(false);
  });

  it('tool.completed accepts every outcome status and rejects an unknown one', () => {
    expect(accepts('tool.completed', withDataAt('tool.completed', ['outcome'], { status: 'timeout' }))).toBe(true);
    expect(
      accepts('tool.completed', withDataAt('tool.completed', ['outcome'], { status: 'error', message: 'x' })),
    ).toBe(true);
    expect(accepts('tool.completed', withDataAt('tool.completed', ['outcome'], { status: 'maybe' }))).toBe(false);
    expect(accepts('tool.completed', withDataAt('tool.completed', ['outcome'], { status: 'error' }))).toBe(false);
  });
});

describe('attachments', () => {
  const bytes = Buffer.from('a,b\n1,2\n');
  const file = {
    name: 'report.csv',
    mediaType: 'text/csv',
    size: bytes.length,
    sha256: '492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470', // of the bytes above
    content: bytes.toString('base64'),
  };
  const withFile = (type: EventType, patch: Record<string, unknown>) => withDataAt(type, ['attachment'], { ...file, ...patch });

  it.each(['outbound.ready', 'http.reply.posted'] as EventType[])('%s carries a file inline, and only a consistent one', (type) => {
    expect(accepts(type, withFile(type, {}))).toBe(true);
    expect(accepts(type, withFile(type, { size: 9 }))).toBe(false);
    expect(accepts(type, withFile(type, { content: 'not base64!' }))).toBe(false);
    expect(accepts(type, withFile(type, { sha256: 'abc' }))).toBe(false);
    expect(accepts(type, withFile(type, { mediaType: 'Text/CSV' }))).toBe(false);
  });

  it.each(['../x', 'a/b', 'a\\b', 'new\nline', 'bell\u0007', '.', '..', '', 'x'.repeat(256), 'nul\u0000'])('refuses the file name %j', (name) => {
    expect(AttachmentName.safeParse(name).success).toBe(false);
  });

  it('bounds a file by MAX_ATTACHMENT_BYTES', () => {
    const big = Buffer.alloc(MAX_ATTACHMENT_BYTES + 3);
    expect(base64Bytes(big.toString('base64'))).toBe(big.length);
    expect(
      accepts('outbound.ready', withFile('outbound.ready', { size: big.length, content: big.toString('base64') })),
    ).toBe(false);
  });
});

describe('topology', () => {
  const ns = 'cf-test1';
  const t = topology(ns);
  const channels = Channel.options;

  describe('without a namespace', () => {
    const plain = topology();

    it('uses the bare stream names and subjects', () => {
      expect(plain.streams.INBOUND).toMatchObject({ name: 'INBOUND', subjects: ['inbound.received.>'] });
      expect(plain.streams.TURNS.subjects).toEqual(['turn.requested.>', 'tool.completed.>']);
      expect(plain.subjects.inboundReceived('slack', 3)).toBe('inbound.received.slack.3');
      expect(plain.subjects.deadLetter('inbound.received.slack.3')).toBe('dlq.inbound.received.slack.3');
    });
  });

  describe('with a namespace', () => {
    it('prefixes every stream name, in upper case with _ for -', () => {
      for (const spec of Object.values(t.streams)) expect(spec.name).toBe(`CF_TEST1_${spec.key}`);
      expect(new Set(Object.values(t.streams).map((s) => s.name)).size).toBe(Object.keys(t.streams).length);
    });

    it('prefixes every stream subject and every consumer filter', () => {
      for (const spec of Object.values(t.streams))
        for (const s of spec.subjects) expect(s.startsWith(`${ns}.`)).toBe(true);
      for (const c of t.consumers) expect(c.filterSubject.startsWith(`${ns}.`)).toBe(true);
    });

    it('builds namespaced subjects', () => {
      expect(t.subjects.inboundReceived('telegram', 5)).toBe(`${ns}.inbound.received.telegram.5`);
      expect(t.subjects.turnRequested('acme', SESSION)).toBe(`${ns}.turn.requested.acme.${SESSION}`);
      expect(t.subjects.toolCompleted('acme', SESSION)).toBe(`${ns}.tool.completed.acme.${SESSION}`);
      expect(t.subjects.outboundReady('http')).toBe(`${ns}.outbound.ready.http`);
      expect(t.subjects.event('turn.completed', 'acme')).toBe(`${ns}.events.turn.completed.acme`);
      expect(t.subjects.httpMailbox('http', 'acme', 'c1')).toBe(`${ns}.mailbox.http.acme.c1`);
      expect(t.subjects.httpMailbox('cli', 'acme', 'c1')).toBe(`${ns}.mailbox.cli.acme.c1`);
    });

    it('keeps two namespaces apart', () => {
      const other = topology('cf-test2');
      for (const spec of Object.values(other.streams)) {
        for (const s of spec.subjects) expect(matches(s, t.subjects.outboundReady('http'))).toBe(false);
      }
    });

    it.each(['Upper', 'a.b', 'a b', 'a>', 'x'.repeat(41)])('rejects namespace %j', (bad) => {
      expect(() => topology(bad)).toThrow(/invalid bus namespace/);
    });
  });

  describe('with options', () => {
    it('takes the retry budget and caps every backoff step', () => {
      const tuned = topology(ns, { retry: { budgetMs: 30 * 60_000, backoffMaxMs: 250 } });
      for (const c of tuned.consumers) {
        expect(c.retryBudgetMs).toBe(30 * 60_000);
        expect(Math.max(...c.backoffMs)).toBeLessThanOrEqual(250);
      }
    });

    it('takes replicas and limits for every stream, keeping the DLQ and mailbox ages apart', () => {
      const tuned = topology(ns, { streams: { replicas: 3, maxAgeMs: 60_000, maxBytes: 1e9, dlqMaxAgeMs: 120_000 } });
      for (const spec of Object.values(tuned.streams)) expect(spec).toMatchObject({ replicas: 3, maxBytes: 1e9 });
      expect(tuned.streams.TURNS.maxAgeMs).toBe(60_000);
      expect(tuned.streams.DLQ.maxAgeMs).toBe(120_000);
      expect(tuned.streams.HTTP_MAILBOX.maxAgeMs).toBe(t.streams.HTTP_MAILBOX.maxAgeMs);
    });
  });

  describe('subjects publishers use', () => {
    const published: Array<[string, string]> = [
      ...channels.flatMap((c) =>
        Array.from({ length: INBOUND_PARTITIONS }, (_, p): [string, string] => [
          'INBOUND',
          t.subjects.inboundReceived(c, p),
        ]),
      ),
      ['TURNS', t.subjects.turnRequested('acme', SESSION)],
      ['TURNS', t.subjects.toolCompleted('acme', SESSION)],
      ...channels.map((c): [string, string] => ['OUTBOUND', t.subjects.outboundReady(c)]),
      ['EVENTS', t.subjects.event('delivery.failed', 'acme')],
      ['EVENTS', t.subjects.provisioningChanged('acme')],
      ['HTTP_MAILBOX', t.subjects.httpMailbox('http', 'acme', 'c1')],
      ['HTTP_MAILBOX', t.subjects.httpMailbox('cli', 'acme', 'c1')],
      ['DLQ', t.subjects.deadLetter(t.subjects.outboundReady('slack'))],
    ];

    it.each(published)('%s is the one stream that stores %s', (key, subject) => {
      const owners = Object.values(t.streams).filter((spec) => spec.subjects.some((f) => matches(f, subject)));
      expect(owners.map((o) => o.key)).toEqual([key]);
    });

    it('maps a subject to its dead letter in the DLQ stream, keeping the namespace once', () => {
      const subject = t.subjects.inboundReceived('telegram', 2);
      expect(t.subjects.deadLetter(subject)).toBe(`${ns}.dlq.inbound.received.telegram.2`);
    });
  });

  describe('consumers', () => {
    it('has one router consumer per partition, serial, whose filter matches only its partition', () => {
      const routers = t.consumers.filter((c) => c.group === 'router');
      expect(routers.map((c) => c.durable)).toEqual(
        Array.from({ length: INBOUND_PARTITIONS }, (_, p) => t.consumerNames.router(p)),
      );
      for (const [p, spec] of routers.entries()) {
        expect(spec.maxAckPending).toBe(1);
        for (const channel of channels) {
          for (let k = 0; k < INBOUND_PARTITIONS; k++) {
            expect(matches(spec.filterSubject, t.subjects.inboundReceived(channel, k))).toBe(k === p);
          }
        }
      }
    });

    it('lets session-runner see turn requests and tool completions', () => {
      const spec = t.consumers.find((c) => c.durable === t.consumerNames.sessionRunner)!;
      expect(spec.stream).toBe('TURNS');
      expect(matches(spec.filterSubject, t.subjects.turnRequested('acme', SESSION))).toBe(true);
      expect(matches(spec.filterSubject, t.subjects.toolCompleted('acme', SESSION))).toBe(true);
    });

    it('lets delivery see outbound messages of every channel', () => {
      const spec = t.consumers.find((c) => c.durable === t.consumerNames.delivery)!;
      expect(spec.stream).toBe('OUTBOUND');
      for (const c of channels) expect(matches(spec.filterSubject, t.subjects.outboundReady(c))).toBe(true);
    });

    it.each(t.consumers.map((c) => [c.durable, c]))('%s can retry before giving up', (_name, spec) => {
      expect(spec.backoffMs.length).toBeGreaterThan(0);
      expect(spec.minDeliveries).toBeGreaterThan(spec.backoffMs.length);
      // An outage of ten minutes costs retries, not messages.
      expect(spec.retryBudgetMs).toBeGreaterThanOrEqual(10 * 60_000);
      expect(t.streams[spec.stream]).toBeDefined();
    });
  });
});

describe('partitionOf', () => {
  it('is FNV-1a 32 bit, so partitions stay where they are across releases', () => {
    // Published FNV-1a test vectors.
    expect(partitionOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(partitionOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(partitionOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
  });

  it('is stable and in range, and spreads chats over every partition', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1_000; i++) {
      const key = chatKey({ channel: 'telegram', chatId: String(i) });
      const p = partitionOf(key, INBOUND_PARTITIONS);
      expect(Number.isInteger(p) && p >= 0 && p < INBOUND_PARTITIONS).toBe(true);
      expect(partitionOf(key, INBOUND_PARTITIONS)).toBe(p);
      seen.add(p);
    }
    expect(seen.size).toBe(INBOUND_PARTITIONS);
  });

  it('keys a chat by channel, chat and thread', () => {
    expect(chatKey({ channel: 'slack', chatId: 'C1' })).toBe('slack:C1');
    expect(chatKey({ channel: 'slack', chatId: 'C1', threadId: '17.2' })).toBe('slack:C1:17.2');
  });

  it('keeps keys apart when ids contain the separator', () => {
    const a = chatKey({ channel: 'telegram', chatId: 'a:b', threadId: 'c' });
    const b = chatKey({ channel: 'telegram', chatId: 'a', threadId: 'b:c' });
    const c = chatKey({ channel: 'telegram', chatId: 'a:b:c' });
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toBe('telegram:a%3Ab:c');
  });
});
