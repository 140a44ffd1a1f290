#!/usr/bin/env node
// NATS with one user per service (decision 21).
//
// `npm run nats-config [-- --namespace <ns>] [--out <file>|-]`
//     Renders the nats-server `authorization` block from the topology in libs/contracts: one user per
//     service and tool (provisioner, dlq), each allowed only its own subjects. Without --namespace it
//     rewrites deploy/nats/auth.conf (checked in, kept current by libs/contracts' spec); with one it
//     prints the block for that BUS_NAMESPACE (or writes --out). `--check`: exit 1 if deploy/nats/auth.conf is stale.
// `node scripts/nats-auth.mjs passwords` (or `npm run -s nats-config -- passwords`)
//     Prints a fresh random NATS_PASSWORD_<USER>=... line per user, for the server's environment.
// `npm run nats-provision`
//     Creates or updates every stream and durable consumer of the installation (NATS_URL,
//     BUS_NAMESPACE, BUS_STREAM_*, BUS_RETRY_*; .env is read), signed in as the provisioner
//     (NATS_USER=provisioner NATS_PASSWORD=..., or NATS_CREDS/NATS_TOKEN). Run it as a deploy job
//     before the services start with BUS_PROVISION_STREAMS=false.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEFAULT_NATS_URL, ROOT, build, loadDotEnv, say } from './lib/common.mjs';

const USAGE =
  'usage: node scripts/nats-auth.mjs config [--namespace <ns>] [--out <file>|-] [--check] | passwords | provision';
const CHECKED_IN = path.join(ROOT, 'deploy', 'nats', 'auth.conf');

const argv = process.argv.slice(2);
// `npm run nats-config -- passwords` arrives as `config passwords`.
if (argv[0] === 'config' && ['passwords', 'provision'].includes(argv[1])) argv.shift();
const [command = 'config', ...rest] = argv;
const flags = {};
for (let i = 0; i < rest.length; i++) {
  const flag = rest[i];
  if (flag === '--check') flags.check = true;
  else if ((flag === '--namespace' || flag === '--out') && rest[i + 1] !== undefined) flags[flag.slice(2)] = rest[++i];
  else {
    say(USAGE);
    process.exit(2);
  }
}
if (!['config', 'passwords', 'provision'].includes(command)) {
  say(USAGE);
  process.exit(2);
}

await build();
const require = createRequire(import.meta.url);
const contracts = require(path.join(ROOT, 'libs/contracts/dist/index.js'));

if (command === 'config') {
  const text = contracts.natsAuthorizationConfig(contracts.topology(flags.namespace ?? ''));
  const out = flags.out ?? (flags.namespace === undefined ? CHECKED_IN : '-');
  if (flags.check) {
    const current = fs.existsSync(CHECKED_IN) ? fs.readFileSync(CHECKED_IN, 'utf8') : '';
    if (current !== contracts.natsAuthorizationConfig(contracts.topology(''))) {
      say(`${path.relative(ROOT, CHECKED_IN)} is stale: run \`npm run nats-config\` and commit it`);
      process.exit(1);
    }
    say(`${path.relative(ROOT, CHECKED_IN)} is current`);
  } else if (out === '-') {
    process.stdout.write(text);
  } else {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
    say(`wrote ${path.relative(ROOT, out)} (${contracts.BUS_USERS.length} users)`);
  }
} else if (command === 'passwords') {
  for (const user of contracts.BUS_USERS) {
    process.stdout.write(`${contracts.natsPasswordVariable(user)}=${randomBytes(24).toString('base64url')}\n`);
  }
} else {
  loadDotEnv();
  const { z } = require('zod');
  const { BaseConfig, parseConfig } = require(path.join(ROOT, 'libs/platform/dist/index.js'));
  const { connectNats, natsAuthOf, provision, topologyOptionsOf, describeNatsAuth } = require(
    path.join(ROOT, 'libs/bus/dist/index.js'),
  );
  const { jetstreamManager } = require('@nats-io/jetstream');
  let config;
  try {
    config = parseConfig(BaseConfig.extend({ PORT: z.coerce.number().default(0) }));
  } catch (error) {
    say(error.message);
    process.exit(2);
  }
  const url = config.NATS_URL ?? DEFAULT_NATS_URL;
  const auth = natsAuthOf(config);
  const t = contracts.topology(config.BUS_NAMESPACE, topologyOptionsOf(config));
  let nc;
  try {
    nc = await connectNats(url, 'provisioner', { auth });
    await provision(await jetstreamManager(nc), t);
    say(
      `provisioned ${Object.keys(t.streams).length} streams and ${t.consumers.length} consumers (BUS_NAMESPACE "${t.namespace}", ${describeNatsAuth(auth)})`,
    );
  } catch (error) {
    say(`nats-provision failed: ${error?.message ?? error}`);
    process.exitCode = 1;
  } finally {
    await nc?.drain();
  }
}
