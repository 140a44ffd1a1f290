import { makeEnvelope } from '@clawfleet/bus';
import { OutboundReady, TurnRequested } from '@clawfleet/contracts';
import { openChat, type ChatClient } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

/**
 * Inspection and operations through the admin API, against the six apps: what a chat did shows up
 * in the sessions, the timeline, the usage and the outcomes; an operator's message and /stop go
 * through the router like chat messages; a parked session resumes once released; a delivery that
 * failed and a dead letter are listed.
 */
const BOOTSTRAP = 'bootstrap-key-for-the-operations-spec-0123456789';
const TENANT = 'default'; // the HTTP channel's tenant

let f: PlatformFixture;
let api: string;

beforeAll(async () => {
  f = await startPlatform({
    appEnv: { 'admin-api': { ADMIN_BOOTSTRAP_KEY: BOOTSTRAP, RATE_LIMIT_PER_KEY: '100000' } },
  });
  api = f.platform.url('admin-api');
});
afterAll(async () => {
  expect(f.platform.unexpectedExits()).toEqual([]);
  await f?.stop();
});
afterEach(() => {
  f.model.reset();
  f.model.setLatency(0);
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${BOOTSTRAP}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the spec reads whatever came back
  return { status: res.status, json: (await res.json()) as any, headers: res.headers };
}

async function sql(text: string, params: unknown[] = []) {
  const pg = new Client({ connectionString: f.db.url });
  await pg.connect();
  try {
    return (await pg.query(text, params)).rows;
  } finally {
    await pg.end();
  }
}

/** The chat's one session, once its status is `status`. */
async function sessionOf(chatId: string, status = 'idle') {
  let found: { id: string; status: string } | undefined;
  await eventually(`session of ${chatId} ${status}`, async () => {
    const page = await call('GET', `/v1/tenants/${TENANT}/sessions?channel=http&chatId=${chatId}`);
    found = page.json.items[0];
    return found?.status === status;
  });
  return found!;
}

/** Every event of the session's timeline, walking its pages. */
async function timeline(sessionId: string, limit = 3) {
  const events: Array<{ version: number; type: string; data: Record<string, unknown> }> = [];
  let cursor: string | undefined;
  do {
    const page = await call(
      'GET',
      `/v1/tenants/${TENANT}/sessions/${sessionId}/events?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    events.push(...page.json.items);
    cursor = page.json.nextCursor;
  } while (cursor);
  return events;
}

async function turn(chat: ChatClient, text: string) {
  const sent = await chat.send(text);
  const reply = await chat.nextReply(15_000);
  return { sent, reply };
}

describe('what a chat did', () => {
  it('is listed and shown, its timeline paged as stored, its usage counted, its outcome kept', async () => {
    const chat = await openChat(f.gateway, 'ops-seen');
    const { sent, reply } = await turn(chat, 'hello there');
    expect(reply.text).toBe('echo: hello there');
    const session = await sessionOf('ops-seen');
    expect(session).toMatchObject({
      id: reply.sessionId,
      agentId: 'default',
      chat: { channel: 'http', chatId: 'ops-seen' },
      turns: 1,
    });

    const shown = await call('GET', `/v1/tenants/${TENANT}/sessions/${session.id}`);
    expect(shown.json).toMatchObject({ id: session.id, status: 'idle', parked: null, version: expect.any(Number) });
    const events = await timeline(session.id);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: shown.json.version }, (_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['SessionStarted', 'UserMessageAdded', 'TurnStarted', 'ModelResponded', 'TurnCompleted']),
    );
    expect(events.find((e) => e.type === 'ModelResponded')!.data).toMatchObject({ text: 'echo: hello there' });
    // The stored facts as they are: the same as the event store holds, and never the provider's key.
    const stored = await sql(`SELECT data FROM eventstore.events WHERE stream_id = $1 ORDER BY version`, [
      `session-${session.id}`,
    ]);
    expect(events.map((e) => e.data)).toEqual(stored.map((r) => r.data));
    expect(JSON.stringify(events)).not.toContain('test-key');
    const page = await call('GET', `/v1/tenants/${TENANT}/sessions/${session.id}/events`);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-type')).toContain('application/json');

    const outcome = await call(
      'GET',
      `/v1/tenants/${TENANT}/messages/${sent.messageId}/outcome?channel=http&chatId=ops-seen`,
    );
    expect(outcome.json).toMatchObject({
      outcome: 'engaged',
      decisions: [{ kind: 'engage', agentId: 'default', sessionId: session.id }],
    });

    const usage = await call('GET', `/v1/tenants/${TENANT}/usage?agentId=default`);
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.json.items[0]).toMatchObject({ day: today, agentId: 'default', modelCalls: expect.any(Number) });
    expect(usage.json.totals.modelCalls).toBeGreaterThanOrEqual(1);
    expect(usage.json.totals.inputTokens).toBeGreaterThan(0);
    await chat.close();
  });

  it('masks a credential someone pasted into a chat, and keeps the text as data', async () => {
    const chat = await openChat(f.gateway, 'ops-pasted');
    const secret = `sk-proj-${'A1b2C3d4'.repeat(5)}`;
    await turn(chat, `my key is ${secret} <script>alert(1)</script>`);
    const session = await sessionOf('ops-pasted');
    const text = JSON.stringify(await timeline(session.id, 50));
    expect(text).not.toContain(secret);
    expect(text).toContain('my key is [redacted] <script>alert(1)</script>');
    await chat.close();
  });
});

describe("an operator's interventions", () => {
  it('a message posted into the session is routed like a chat message and answered on its chat', async () => {
    const chat = await openChat(f.gateway, 'ops-post');
    await turn(chat, 'first');
    const session = await sessionOf('ops-post');
    const posted = await call('POST', `/v1/tenants/${TENANT}/sessions/${session.id}/messages`, {
      text: 'from the operator',
    });
    expect(posted.status).toBe(202);
    expect(await chat.nextReply(15_000)).toMatchObject({ text: 'echo: from the operator', sessionId: session.id });
    const outcome = await call('GET', posted.json.outcome);
    expect(outcome.json).toMatchObject({
      outcome: 'engaged',
      decisions: [{ kind: 'engage', rule: 'operator', sessionId: session.id }],
    });
    const added = (await timeline(session.id, 50)).filter((e) => e.type === 'UserMessageAdded');
    expect(added.at(-1)!.data).toMatchObject({
      text: 'from the operator',
      source: 'api',
      sender: { id: 'operator:bootstrap' },
    });
    // The chat goes on in order after it.
    expect((await turn(chat, 'and then')).reply).toMatchObject({ text: 'echo: and then', seq: 3 });
    await chat.close();
  });

  it('a cancel stops the running turn, as /stop does, once', async () => {
    const chat = await openChat(f.gateway, 'ops-cancel');
    await turn(chat, 'warm');
    f.model.setLatency(60_000);
    await chat.send('think for a long time');
    await f.model.waitForRequests(2, undefined, 10_000);
    // Its start is recorded with its first result: until then the session shows the message queued.
    const running = await sessionOf('ops-cancel', 'queued');
    const cancel = await call('POST', `/v1/tenants/${TENANT}/sessions/${running.id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'notice', text: 'Stopped.' });
    await sessionOf('ops-cancel', 'idle');
    const events = await timeline(running.id, 50);
    const stops = events.filter((e) => e.type === 'CommandReceived');
    expect(stops.map((e) => e.data)).toEqual([
      expect.objectContaining({ messageId: cancel.json.messageId, command: { name: 'stop', args: '' } }),
    ]);
    // The long turn never completed: one turn (the first) in the session.
    expect(events.filter((e) => e.type === 'TurnCompleted')).toHaveLength(1);
    expect((await call('POST', `/v1/tenants/${TENANT}/sessions/${running.id}/cancel`)).status).toBe(409);
    await chat.close();
  });

  it('a cancel of a turn that recorded its start ends it with TurnCancelled', async () => {
    const chat = await openChat(f.gateway, 'ops-cancel-running');
    // The first model call asks for a tool (recorded, with the turn's start); the second never answers.
    f.model.script({ toolCalls: [{ name: 'get_time', arguments: {} }] }, { hang: true });
    await chat.send('what time is it, slowly?');
    await f.model.waitForRequests(2, undefined, 10_000);
    const running = await sessionOf('ops-cancel-running', 'running');
    const cancel = await call('POST', `/v1/tenants/${TENANT}/sessions/${running.id}/cancel`);
    expect(cancel.json).toMatchObject({ sessionId: running.id, turnId: expect.any(String), accepted: true });
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'notice', text: 'Stopped.' });
    await sessionOf('ops-cancel-running', 'idle');
    const types = (await timeline(running.id, 50)).map((e) => e.type);
    expect(types.filter((t) => t === 'TurnCancelled')).toHaveLength(1);
    await chat.close();
  });

  it('a parked session waits until it is released, then the next sweep answers it', async () => {
    const chat = await openChat(f.gateway, 'ops-parked');
    await turn(chat, 'before');
    const session = await sessionOf('ops-parked');
    // What session-runner does after SESSION_MAX_FAILURES failed runs in a row.
    await sql(
      `UPDATE runner.session_work SET parked_at = now(), failures = 5, last_error = 'boom' WHERE stream_id = $1`,
      [`session-${session.id}`],
    );
    await chat.send('while parked');
    await eventually(
      'the message recorded',
      async () => (await call('GET', `/v1/tenants/${TENANT}/sessions/${session.id}`)).json.queued === 1,
    );
    const parked = await call('GET', `/v1/tenants/${TENANT}/parked-sessions`);
    expect(parked.json.items).toEqual([
      expect.objectContaining({ sessionId: session.id, failures: 5, lastError: 'boom' }),
    ]);
    expect(f.model.requests).toHaveLength(1);

    const released = await call('POST', `/v1/tenants/${TENANT}/parked-sessions/${session.id}/release`);
    expect(released.json).toEqual({ sessionId: session.id, parked: false, released: true });
    expect(await chat.nextReply(15_000)).toMatchObject({ text: 'echo: while parked' });
    expect((await call('GET', `/v1/tenants/${TENANT}/parked-sessions`)).json.items).toEqual([]);
    await chat.close();
  });
});

describe('what went wrong', () => {
  it('a reply the channel refused is listed as a delivery failure', async () => {
    const sessionId = randomUUID();
    const outbound = makeEnvelope(OutboundReady, {
      tenantId: TENANT,
      data: {
        outboundId: randomUUID(),
        sessionId,
        turnId: null,
        seq: 1,
        chat: { channel: 'telegram', chatId: '42' },
        text: 'hi',
        kind: 'reply',
      },
    });
    await f.bus.publishRaw(f.bus.topology.subjects.outboundReady('telegram'), JSON.stringify(outbound), outbound.id);
    let items: Array<Record<string, unknown>> = [];
    await eventually('the failure listed', async () => {
      items = (await call('GET', `/v1/tenants/${TENANT}/delivery-failures?sessionId=${sessionId}`)).json.items;
      return items.length === 1;
    });
    expect(items[0]).toMatchObject({
      outboundId: outbound.data.outboundId,
      seq: 1,
      channel: 'telegram',
      chatId: '42',
      error: expect.stringContaining('no sender'),
    });
  });

  it('a message no consumer can take is listed with its reason and payload, and redriven', async () => {
    const sessionId = randomUUID();
    const subject = f.bus.topology.subjects.turnRequested(TENANT, sessionId);
    const poison = {
      ...makeEnvelope(TurnRequested, { tenantId: TENANT, data: {} as never }),
      data: { sessionId: 'nope' },
    };
    await f.bus.publishRaw(subject, JSON.stringify(poison), poison.id);
    const plain = subject.slice(f.bus.topology.namespace.length + 1);
    let letters: Array<{ seq: number; reason: string; payload: unknown; tenantId: string }> = [];
    await eventually('the dead letter listed', async () => {
      letters = (await call('GET', `/v1/platform/dead-letters?subject=${plain}`)).json.items;
      return letters.length === 1;
    });
    expect(letters[0]).toMatchObject({ reason: expect.stringContaining('invalid'), payload: poison, tenantId: TENANT });
    const redriven = await call('POST', `/v1/platform/dead-letters/${letters[0]!.seq}/redrive`);
    expect(redriven.json).toEqual({ seq: letters[0]!.seq, redriven: true });
    // Still poison: dead-lettered again, under a new sequence.
    await eventually('dead-lettered again', async () => {
      const again = (await call('GET', `/v1/platform/dead-letters?subject=${plain}`)).json.items;
      return again.length === 1 && again[0].seq !== letters[0]!.seq;
    });
  });
});
