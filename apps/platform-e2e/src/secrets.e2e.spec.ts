import { connectNats } from '@clawfleet/bus';
import { BUS_SERVICES, type BusService } from '@clawfleet/contracts';
import { CredentialKeys, ProvisioningRepository, provisioningEntities } from '@clawfleet/provisioning';
import { createDataSource } from '@clawfleet/platform';
import {
  createTestDatabase,
  launchPlatform,
  openChat,
  startFakeOpenAI,
  type AppName,
  type FakeOpenAI,
  type Platform,
  type RecordedRequest,
  type TestDatabase,
} from '@clawfleet/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { allSessionsSettled } from './support/event-store-probe';
import { eventually } from './support/fixture';
import { OBSERVER, startSecuredBus, type SecuredBus } from './support/secured-bus';

// Secrets stay in the one service that needs them: the platform runs with canary secrets (the
// provider key, the admin bootstrap key, a channel:client key, every NATS password, a channel token
// sealed in provisioning), goes through a plain turn, a tool turn, a provider error and bad input
// with every app logging at trace level, and then none of the canaries, plain, base64 or hex, may be
// anywhere a secret must never be: the apps' output, any message that crossed the NATS server (core
// and JetStream, API replies included), any stored stream message, any row of the database, a
// sandbox's environment; and each one only in the environment of the app that owns it.
const docker = new Docker();
const workspaces = fs.mkdtempSync(path.join(os.tmpdir(), 'clawfleet-secrets-ws-'));
const canary = (what: string) => `${what}canary${randomBytes(16).toString('hex')}`;
const MODEL_KEY = canary('skmodel');
const BOOTSTRAP_KEY = canary('bootstrap');
const CHANNEL_TOKEN = canary('bottoken');
const CREDENTIALS_KEY = randomBytes(32).toString('base64');

let bus: SecuredBus;
let db: TestDatabase;
let model: FakeOpenAI;
let platform: Platform;
let observer: NatsConnection;
let tap: Subscription;
let channelClientKey: string;
/** Everything that crossed the NATS server while the platform ran, as text. */
const crossed: string[] = [];
const decoder = new TextDecoder();

const containers = async () =>
  (await docker.listContainers({ all: true, filters: { label: ['clawfleet.sandbox=1'] } })).filter((c) =>
    c.Mounts.some((m) => m.Source?.startsWith(`${workspaces}/`)),
  );

type Message = { role: string; content?: string };
/** The model: lists the sandbox's environment with a tool call when asked to, echoes otherwise. */
function agent(request: RecordedRequest) {
  const messages: Message[] = request.body?.messages ?? [];
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const asked = messages[lastUser]?.content ?? '';
  const results = messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
  if (asked === 'list the environment' && results.length === 0) {
    return { toolCalls: [{ name: 'bash', arguments: { command: 'env | sort; echo listed' } }] };
  }
  return results.length ? `results: ${results.map((m) => m.content).join(' | ')}` : `echo: ${asked}`;
}

async function api(method: string, url: string, key: string | undefined, body?: unknown) {
  const res = await fetch(`${platform.url('admin-api')}${url}`, {
    method,
    headers: {
      ...(key && { authorization: `Bearer ${key}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as Record<string, string> | undefined };
}

beforeAll(async () => {
  bus = await startSecuredBus('k');
  await bus.provision();
  observer = await connectNats(bus.url, OBSERVER, { auth: { user: OBSERVER, password: bus.passwords[OBSERVER] } });
  tap = observer.subscribe('>', {
    callback: (_error, msg) => {
      const headers = msg.headers ? [...msg.headers.keys()].map((k) => `${k}: ${msg.headers!.get(k)}`).join('\n') : '';
      crossed.push(`${msg.subject}\n${headers}\n${decoder.decode(msg.data)}`);
    },
  });
  [db, model] = await Promise.all([createTestDatabase(), startFakeOpenAI({ apiKey: MODEL_KEY, reply: agent })]);
  platform = await launchPlatform({
    databaseUrl: db.url,
    namespace: bus.namespace,
    natsUrl: bus.url,
    model: { baseUrl: model.url, apiKey: MODEL_KEY, name: 'fake-model' },
    // Everything an app can log, and every line kept.
    env: { LOG_LEVEL: 'trace', SHUTDOWN_GRACE_MS: '2000', SANDBOX_WORKSPACE_ROOT: workspaces, MODEL_MAX_RETRIES: '0' },
    appEnv: Object.fromEntries(
      Object.entries(bus.appEnv()).map(([app, env]) => [
        app,
        app === 'admin-api' ? { ...env, ADMIN_BOOTSTRAP_KEY: BOOTSTRAP_KEY } : env,
      ]),
    ),
    logLines: 1_000_000,
  });
}, 180_000);
afterAll(async () => {
  await tap?.drain().catch(() => undefined);
  await observer?.close().catch(() => undefined);
  await platform?.stop();
  await Promise.allSettled([model?.close(), db?.drop()]);
  await bus?.stop();
  for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true });
  fs.rmSync(workspaces, { recursive: true, force: true });
});

/** The secret as it may appear: plain, hex, and base64/base64url at each of the three byte alignments. */
function encodings(secret: string): Array<[string, string]> {
  const forms = new Map<string, string>([
    [secret, 'plain'],
    [Buffer.from(secret).toString('hex'), 'hex'],
  ]);
  for (let shift = 0; shift < 3; shift++) {
    const bytes = Buffer.concat([Buffer.alloc(shift, 0x20), Buffer.from(secret)]);
    for (const encoding of ['base64', 'base64url'] as const) {
      // The characters that also depend on the bytes before and after are left out.
      const core = bytes.toString(encoding).slice(shift ? 4 : 0, -4);
      if (!forms.has(core)) forms.set(core, encoding);
    }
  }
  return [...forms];
}

/** Every row of every table of the database, as text (bytea as hex). */
async function databaseRows(url: string): Promise<Map<string, string[]>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const out = new Map<string, string[]>();
    for (const { schema, name } of tables) {
      const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${name}" t`);
      out.set(
        `${schema}.${name}`,
        rows.map((r) => r.row),
      );
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Every message stored in the namespace's streams: subject, headers and data. */
async function storedMessages(): Promise<Map<string, string[]>> {
  const jsm = await jetstreamManager(observer);
  const out = new Map<string, string[]>();
  for await (const stream of jsm.streams.list()) {
    if (!stream.config.name.startsWith(bus.namespace.toUpperCase())) continue;
    const texts: string[] = [];
    for (let seq = stream.state.first_seq; seq <= stream.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream.config.name, { seq }).catch(() => null);
      if (!m) continue;
      const headers = m.header ? [...m.header.keys()].map((k) => `${k}: ${m.header.get(k)}`).join('\n') : '';
      texts.push(`${m.subject}\n${headers}\n${decoder.decode(m.data)}`);
    }
    out.set(stream.config.name, texts);
  }
  return out;
}

const environOf = (pid: number) => fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

describe('secrets', () => {
  it('never appear in any app output, message, stored stream, database row or sandbox; each only in its owner', async () => {
    // A channel:client key, shown once by the admin API to who made it.
    const minted = await api('POST', '/v1/tenants/default/keys', BOOTSTRAP_KEY, {
      scope: 'channel:client',
      name: 'secrets spec',
      userId: 'alice',
    });
    expect(minted.status).toBe(201);
    channelClientKey = minted.json!['key']!;
    expect((await api('GET', '/v1/me', channelClientKey)).status).toBe(200);

    // A channel's bot token, sealed by the provisioning model (no admin route for channels yet).
    const ds = createDataSource({
      url: db.url,
      poolSize: 1,
      applicationName: 'secrets-spec',
      migrations: [],
      entities: provisioningEntities,
    });
    await ds.initialize();
    try {
      const repo = new ProvisioningRepository(ds, CredentialKeys.parse(`k1:${CREDENTIALS_KEY}`));
      await repo.ensureTenant('default');
      const channelId = await repo.createChannel('default', {
        kind: 'telegram',
        name: 'bot',
        credentials: CHANNEL_TOKEN,
      });
      expect(await repo.channelCredentials('default', channelId)).toBe(CHANNEL_TOKEN);
    } finally {
      await ds.destroy();
    }

    // A plain turn (with the channel key on the request, as a client would send it), a tool turn
    // that lists the sandbox's environment, a provider error, and bad input.
    const chat = await openChat(platform.url('channel-gateway'), 'secrets', { key: channelClientKey });
    const gateway = `${platform.url('channel-gateway')}/v1/chats/secrets/messages`;
    const post = (body: unknown) =>
      fetch(gateway, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${channelClientKey}`,
          'x-api-key': channelClientKey,
        },
        body: JSON.stringify(body),
      });
    expect((await post({ text: 'hello from the secrets spec' })).status).toBe(202);
    expect((await chat.nextReply(30_000)).text).toBe('echo: hello from the secrets spec');

    await chat.send('list the environment');
    const listed = (await chat.nextReply(90_000)).text;
    expect(listed).toMatch(/^results: exit code: 0\n--- stdout ---\n[\s\S]*HOME=[\s\S]*listed/);

    model.script({ error: { status: 401 } });
    await chat.send('this one fails');
    expect((await chat.nextReply(30_000)).text).toMatch(/could not sign in to its model provider/);

    const bad = await post({ text: 'nul\u0000here' });
    expect(bad.status).toBe(400);
    expect((await api('POST', '/v1/tenants/default/keys', BOOTSTRAP_KEY, { scope: 'nope', name: 'x' })).status).toBe(
      400,
    );
    expect((await api('GET', '/v1/me', `${channelClientKey}x`)).status).toBe(401);
    await chat.send('and after all that');
    expect((await chat.nextReply(30_000)).text).toBe('echo: and after all that');
    await chat.close();
    await eventually('every session to settle', () => allSessionsSettled(db.url), 30_000);

    // Who holds what: each secret in its owner's environment alone (a sandbox gets none of them).
    const owners: Array<[string, string, AppName | null]> = [
      ['MODEL_API_KEY', MODEL_KEY, 'session-runner'],
      ['ADMIN_BOOTSTRAP_KEY', BOOTSTRAP_KEY, 'admin-api'],
      ['the channel:client key', channelClientKey, null],
      ['the channel token', CHANNEL_TOKEN, null],
      ['CREDENTIALS_KEYS', CREDENTIALS_KEY, null],
      ...BUS_SERVICES.map((s: BusService): [string, string, AppName] => [
        `the NATS password of ${s}`,
        bus.passwords[s],
        s,
      ]),
      ['the NATS password of provisioner', bus.passwords.provisioner, null],
      ['the NATS password of dlq', bus.passwords.dlq, null],
    ];
    const holders = owners.map(([what, secret]) => [
      what,
      BUS_SERVICES.filter((app) => environOf(platform.pid(app)!).some((entry) => entry.endsWith(`=${secret}`))),
    ]);
    expect(holders).toEqual(owners.map(([what, , owner]) => [what, owner ? [owner] : []]));

    const sources = new Map<string, string[]>();
    const sandboxes = await containers();
    expect(sandboxes).toHaveLength(1);
    for (const c of sandboxes) {
      const { Config } = await docker.getContainer(c.Id).inspect();
      sources.set(`the environment of sandbox ${c.Id.slice(0, 12)}`, Config.Env ?? []);
    }
    await platform.stop();
    for (const app of BUS_SERVICES) sources.set(`the output of ${app}`, platform.logs(app));
    sources.set('the messages that crossed NATS', crossed);
    for (const [stream, texts] of await storedMessages()) sources.set(`stream ${stream}`, texts);
    for (const [table, rows] of await databaseRows(db.url)) sources.set(`table ${table}`, rows);
    sources.set("the NATS server's log", bus.server.logs(500));

    // The search sees what is there: the logs carry the (redacted) configuration at debug, the
    // streams and the tables the conversation, the bus the tool's output.
    for (const app of BUS_SERVICES) {
      expect([app, sources.get(`the output of ${app}`)!.some((l) => l.includes('"msg":"configuration"'))]).toEqual([
        app,
        true,
      ]);
    }
    const seen = (text: string) =>
      [...sources].filter(([, chunks]) => chunks.some((c) => c.includes(text))).map(([s]) => s);
    expect(seen('hello from the secrets spec')).toEqual(
      expect.arrayContaining([
        'the messages that crossed NATS',
        `stream ${bus.namespace.toUpperCase()}_INBOUND`,
        'table eventstore.events',
      ]),
    );
    expect(seen('listed')).toEqual(expect.arrayContaining([`stream ${bus.namespace.toUpperCase()}_HTTP_MAILBOX`]));
    expect(seen('NATS_USER')).toEqual(expect.arrayContaining(BUS_SERVICES.map((s) => `the output of ${s}`)));

    const found: string[] = [];
    for (const [what, secret] of owners) {
      for (const [form, encoding] of encodings(secret)) {
        for (const [source, chunks] of sources) {
          const hit = chunks.find((c) => c.includes(form));
          if (hit)
            found.push(
              `${what} (${encoding}) in ${source}: …${hit.slice(Math.max(0, hit.indexOf(form) - 80), hit.indexOf(form) + form.length + 20)}…`,
            );
        }
      }
    }
    expect(found).toEqual([]);
    // The provider did get the key, from session-runner: the secret was there to leak.
    expect(model.requests.every((r) => r.headers['authorization'] === `Bearer ${MODEL_KEY}`)).toBe(true);
  });
});
