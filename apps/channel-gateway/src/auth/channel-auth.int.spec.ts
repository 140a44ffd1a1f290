import { authMigrations, ownedChatId } from '@clawfleet/auth';
import { makeEnvelope } from '@clawfleet/bus';
import { HttpReplyPosted, InboundReceived, topology } from '@clawfleet/contracts';
import { bootstrapService, parseConfig } from '@clawfleet/platform';
import {
  createMigratedDatabase,
  openKeyMint,
  TEST_NATS_URL,
  uniqueNamespace,
  type KeyMint,
  type MigratedDatabase,
} from '@clawfleet/testing';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { createParser } from 'eventsource-parser';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { GatewayConfig } from '../config';
import { ReplyStreams } from '../http/reply-streams';

/*
 * The HTTP channel's keys, against real NATS and PostgreSQL with the gateway in this process: who
 * posts is the key's user in the key's tenant, a chat is its user's own whatever the resume point,
 * a stream lasts no longer than its key, and the gateway needs no more of the database than reading
 * the keys. (The status of every kind of key on both routes: platform-e2e/http-channel-auth.)
 */
const namespace = uniqueNamespace('chauth');
const t = topology(namespace);
let nc: NatsConnection;
let jsm: JetStreamManager;
let db: MigratedDatabase;
let mint: KeyMint;
const apps: INestApplication[] = [];

async function startGateway(env: Record<string, string> = {}) {
  const config = parseConfig(GatewayConfig, {
    NATS_URL: TEST_NATS_URL,
    BUS_NAMESPACE: namespace,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...env,
  });
  const app = await bootstrapService(AppModule.forRoot(config), { port: 0, host: '127.0.0.1' });
  apps.push(app);
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  return { url, app, streams: app.get(ReplyStreams) };
}

const post = (url: string, chatId: string, key: string | undefined, body: object) =>
  fetch(`${url}/v1/chats/${chatId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    body: JSON.stringify(body),
  });

interface Events {
  readonly status: number;
  readonly events: Array<{ event?: string; id?: string; data: string }>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** A reply stream read with fetch: its status, every event as it comes, and its end. */
async function events(url: string, chatId: string, key: string, lastEventId?: string): Promise<Events> {
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/chats/${chatId}/events`, {
    headers: {
      accept: 'text/event-stream',
      authorization: `Bearer ${key}`,
      ...(lastEventId !== undefined && { 'last-event-id': lastEventId }),
    },
    signal: abort.signal,
  });
  const seen: Events['events'] = [];
  const parser = createParser({ onEvent: (e) => seen.push({ event: e.event, id: e.id, data: e.data }) });
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // aborted by close()
    }
  })();
  return { status: res.status, events: seen, ended, close: () => abort.abort() };
}

async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves with `promise`, or rejects once `ms` passed: awaited, not timed. */
const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ]);

/** A reply in a chat's mailbox, as delivery puts it there. */
async function replyIn(tenantId: string, chatId: string, text: string, seq: number) {
  const envelope = makeEnvelope(HttpReplyPosted, {
    tenantId,
    data: {
      outboundId: crypto.randomUUID(),
      sessionId: '01936b2e-0000-7000-8000-00000000a001',
      turnId: null,
      chat: { channel: 'http', chatId },
      seq,
      text,
      kind: 'reply',
    },
  });
  await jetstream(nc).publish(t.subjects.httpMailbox('http', tenantId, chatId), JSON.stringify(envelope));
}

/** The inbound.received events stored so far. */
async function inbound() {
  const name = t.streams.INBOUND.name;
  const info = await jsm.streams.info(name).catch(() => undefined);
  const out: InboundReceived[] = [];
  for (let seq = info?.state.first_seq ?? 1; info && seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(name, { seq }).catch(() => null);
    if (m) out.push(InboundReceived.envelope.parse(m.json()));
  }
  return out;
}

beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
  jsm = await jetstreamManager(nc);
  db = await createMigratedDatabase(authMigrations, { poolSize: 2, applicationName: 'chauth-spec' });
  mint = await openKeyMint(db.url);
});
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const spec of Object.values(t.streams)) await jsm.streams.delete(spec.name).catch(() => undefined);
  await nc.close();
  await mint?.close();
  await db?.close();
});

describe('who posts', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway();
  });

  it('is the key’s user, in the key’s tenant, in their own chat', async () => {
    const { key } = await mint.clientKey('alice@acme.example', 'acme');
    const res = await post(gateway.url, 'c1', key, { text: 'hello', messageId: 'who-1' });
    expect(res.status).toBe(202);
    const stored = (await inbound()).find((e) => e.data.messageId === 'who-1')!;
    expect(stored).toMatchObject({
      tenantId: 'acme',
      data: { sender: { id: 'alice@acme.example' }, chat: { channel: 'http', chatId: ownedChatId('alice@acme.example', 'c1') } },
    });
    expect(stored.data.sender).toEqual({ id: 'alice@acme.example' });
  });

  it('can never be someone else: a sender in the body is refused, and nothing is published', async () => {
    const { key } = await mint.clientKey('mallory', 'acme');
    const res = await post(gateway.url, 'c1', key, { text: 'I am alice', messageId: 'who-2', sender: { id: 'alice@acme.example' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      status: 400,
      errors: [{ path: 'sender', message: 'the sender is the user of the API key; a message cannot name another' }],
    });
    expect((await inbound()).filter((e) => e.data.messageId === 'who-2')).toEqual([]);
  });
});

describe('a chat', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway();
  });

  it('is its user’s: another user, or the same user id of another tenant, replaying from 0 gets none of it', async () => {
    const alice = await mint.clientKey('alice', 'acme');
    const bob = await mint.clientKey('bob', 'acme');
    const otherAlice = await mint.clientKey('alice', 'globex');
    await replyIn('acme', ownedChatId('alice', 'secrets'), 'for alice only', 1);

    const own = await events(gateway.url, 'secrets', alice.key, '0');
    expect(own.status).toBe(200);
    await eventually('alice’s reply on her stream', () => own.events.some((e) => e.event === 'reply'));
    // The client sees its chat by the name it gave.
    expect(JSON.parse(own.events.find((e) => e.event === 'reply')!.data)).toMatchObject({
      text: 'for alice only',
      chat: { channel: 'http', chatId: 'secrets' },
    });
    own.close();

    for (const intruder of [bob, otherAlice]) {
      const theirs = await events(gateway.url, 'secrets', intruder.key, '0');
      expect(theirs.status).toBe(200);
      // A reply to the intruder's own chat of that name marks the point by which alice's would have come.
      await replyIn(intruder.tenantId!, ownedChatId(intruder.userId!, 'secrets'), `for ${intruder.userId} of ${intruder.tenantId}`, 1);
      await eventually('the intruder’s own reply', () => theirs.events.some((e) => e.event === 'reply'));
      expect(theirs.events.filter((e) => e.event === 'reply').map((e) => JSON.parse(e.data).text)).toEqual([
        `for ${intruder.userId} of ${intruder.tenantId}`,
      ]);
      theirs.close();
    }
  });
});

describe('an open reply stream', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    // The default cache time (1 s): what production runs with.
    gateway = await startGateway();
  });

  it('ends within about a second or two once its key is revoked, and the key opens no other', async () => {
    const minted = await mint.clientKey('revoked-user', 'acme');
    const stream = await events(gateway.url, 'c1', minted.key);
    expect(stream.status).toBe(200);
    // Checked by a round before the revocation: the verifier's cache holds the key as valid.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const revokedAt = Date.now();
    await mint.revoke(minted);
    // Without the gateway's rounds of checks the stream would stay open for good.
    await within(stream.ended, 10_000, 'the revoked key’s stream ended');
    const endedAfterMs = Date.now() - revokedAt;
    expect(stream.events.at(-1)).toMatchObject({ event: 'unauthorized' });
    process.stderr.write(`[channel-auth] a revoked key's stream ended ${endedAfterMs} ms after the revocation\n`);
    await eventually('nothing held', () => gateway.streams.stats().resources === 0);
    const again = await events(gateway.url, 'c1', minted.key);
    expect(again.status).toBe(401);
    again.close();
  });

  it('ends when its key expires', async () => {
    const minted = await mint.clientKey('expiring-user', 'acme', { expiresAt: new Date(Date.now() + 1_500) });
    const expiresAt = Date.now() + 1_500;
    const stream = await events(gateway.url, 'c1', minted.key);
    expect(stream.status).toBe(200);
    await within(stream.ended, 10_000, 'the expired key’s stream ended');
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 50);
    expect(stream.events.at(-1)).toMatchObject({ event: 'unauthorized' });
    expect((await post(gateway.url, 'c1', minted.key, { text: 'too late' })).status).toBe(401);
  });

  it('of a key that stays valid keeps going, and a stream of another key is not ended with it', async () => {
    const staying = await mint.clientKey('staying-user', 'acme');
    const leaving = await mint.clientKey('leaving-user', 'acme');
    const kept = await events(gateway.url, 'c1', staying.key);
    const ended = await events(gateway.url, 'c1', leaving.key);
    await mint.revoke(leaving);
    // The round that ended this stream checked the other key too, and kept its stream.
    await within(ended.ended, 10_000, 'the revoked key’s stream ended');
    await replyIn('acme', ownedChatId('staying-user', 'c1'), 'still here', 1);
    await eventually('the reply on the kept stream', () => kept.events.some((e) => e.event === 'reply'));
    expect(kept.events.some((e) => e.event === 'unauthorized')).toBe(false);
    kept.close();
  });
});

describe('the database', () => {
  const role = `gw_${namespace}`;
  let admin: Client;
  beforeAll(async () => {
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin.end();
  });

  it('needs no more than reading the keys (and writing when one was last used)', async () => {
    const dbName = new URL(db.url).pathname.slice(1);
    // The grants decision 15 documents for the gateway's role.
    for (const sql of [
      `CREATE ROLE ${role} LOGIN`,
      `GRANT CONNECT ON DATABASE ${dbName} TO ${role}`,
      `GRANT USAGE ON SCHEMA auth TO ${role}`,
      `GRANT SELECT, UPDATE (last_used_at) ON auth.api_keys TO ${role}`,
      `GRANT SELECT ON public.schema_migrations TO ${role}`,
    ])
      await admin.query(sql);
    const asRole = new URL(db.url);
    asRole.username = role;
    const gateway = await startGateway({ DATABASE_URL: asRole.toString() });
    const minted = await mint.clientKey('least-privilege', 'acme');
    expect((await post(gateway.url, 'c1', minted.key, { text: 'hello' })).status).toBe(202);
    await eventually('the key’s last use recorded', async () => {
      const { rows } = await admin.query(`SELECT last_used_at FROM auth.api_keys WHERE id = $1`, [minted.id]);
      return rows[0]?.last_used_at !== null;
    });
    // And the role really is that narrow: it cannot make or change a key.
    const probe = new Client({ connectionString: asRole.toString() });
    await probe.connect();
    try {
      await expect(probe.query(`UPDATE auth.api_keys SET revoked_at = NULL`)).rejects.toThrow(/permission denied/);
      await expect(
        probe.query(`INSERT INTO auth.api_keys (id, prefix, hash, scope, name, created_by) VALUES (gen_random_uuid(), 'p', 'h', 'platform:admin', 'x', 'x')`),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await probe.end();
    }
  });

  it('unreadable: keys read before keep working for AUTH_KEY_STALE_MS, others get 503, and the gateway stays ready', async () => {
    const gateway = await startGateway({ AUTH_KEY_CACHE_MS: '100' });
    const known = await mint.clientKey('known-user', 'acme');
    const fresh = await mint.clientKey('fresh-user', 'acme');
    expect((await post(gateway.url, 'c1', known.key, { text: 'before' })).status).toBe(202);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    // What a PostgreSQL outage looks like to the verifier: every read fails.
    await gateway.app.get(DataSource).destroy();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await post(gateway.url, 'c1', known.key, { text: 'during', messageId: 'stale-1' })).status).toBe(202);
    const refused = await post(gateway.url, 'c1', fresh.key, { text: 'during' });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/cannot be checked/) });
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
  });
});
