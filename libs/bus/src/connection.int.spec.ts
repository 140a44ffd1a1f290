import { busPermissions, topology } from '@clawfleet/contracts';
import { startNats, uniqueNamespace, type NatsServer } from '@clawfleet/testing';
import {
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  type KeyPair,
} from '@nats-io/jwt';
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Writable } from 'node:stream';
import { connectNats, natsAuthOf, reportNatsRefusals } from './connection';

// NATS_CREDS against a nats-server in operator mode (decentralized auth): the account and the user
// are JWTs, the user's permissions those derived for the router, signed by its account.
const ns = uniqueNamespace('creds');
const t = topology(ns);
const dir = mkdtempSync(join(tmpdir(), 'creds-spec-'));
let server: NatsServer;
let account: KeyPair;
const open: NatsConnection[] = [];

async function credsFile(name: string, signer: KeyPair): Promise<string> {
  const user = createUser();
  const permissions = busPermissions(t).router;
  const jwt = await encodeUser(name, user, signer, {
    pub: { allow: [...permissions.publish] },
    sub: { allow: [...permissions.subscribe] },
  });
  const file = join(dir, `${name}.creds`);
  writeFileSync(file, fmtCreds(jwt, user), { mode: 0o600 });
  return file;
}

beforeAll(async () => {
  const operator = createOperator();
  account = createAccount();
  const operatorJwt = await encodeOperator('clawfleet-spec', operator);
  // An account's JWT limits default to nothing allowed.
  const limits = { conn: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, leaf: -1 };
  const accountJwt = await encodeAccount('clawfleet', account, { limits }, { signer: operator });
  // JetStream (on in every test server) needs a system account in operator mode.
  const system = createAccount();
  const systemJwt = await encodeAccount('SYS', system, {}, { signer: operator });
  server = await startNats({
    config: [
      `operator: ${operatorJwt}`,
      // A user JWT carries its permissions, and the router's (8 partitions) pass the default 4 KB
      // of nats-server's CONNECT line: the client would retry for ever.
      'max_control_line: 16384',
      `system_account: ${system.getPublicKey()}`,
      'resolver: MEMORY',
      `resolver_preload: { ${account.getPublicKey()}: ${accountJwt}, ${system.getPublicKey()}: ${systemJwt} }`,
      '',
    ].join('\n'),
  });
});
afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a .creds file (NATS_CREDS)', () => {
  it("signs in as the file's user, with that user's permissions, and a refusal is logged with its subject", async () => {
    const file = await credsFile('router', account);
    const auth = natsAuthOf({ NATS_CREDS: file });
    expect(auth).toEqual({ credsFile: file });
    const nc = await connectNats(server.url, 'router', { auth });
    open.push(nc);
    const lines: string[] = [];
    const logger = pino(
      { base: undefined },
      new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
    );
    reportNatsRefusals(nc, logger, auth);

    nc.publish(t.subjects.turnRequested('acme', 's-1'), 'allowed');
    const forbidden = t.subjects.event('delivery.succeeded', 'acme');
    nc.publish(forbidden, 'refused');
    await nc.flush();
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.includes(forbidden)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged).toEqual([
      expect.objectContaining({
        level: 50,
        msg: `NATS refused: Permissions Violation for Publish to "${forbidden}"`,
        operation: 'publish',
        subject: forbidden,
        nats: `the creds file ${file}`,
      }),
    ]);
    expect(nc.isClosed()).toBe(false);
  });

  it('is refused when its user is not signed by a known account, saying which file', async () => {
    const file = await credsFile('stranger', createAccount());
    const refused = await connectNats(server.url, 'router', { auth: { credsFile: file } }).then(
      () => 'connected',
      (error: Error) => error.message,
    );
    expect(refused).toMatch(
      new RegExp(
        `refused router's credentials \\(the creds file ${file.replace(/[.]/g, '\\.')}\\): Authorization Violation`,
      ),
    );
  });
});
