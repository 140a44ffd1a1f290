#!/usr/bin/env node
// Reproduces, without the platform, what the chaos suite sees at the HTTP channel after a NATS restart:
// an ordered consumer (`js.consumers.get(stream, { filter_subjects, ... })` + `consume()`, as the
// gateway's SSE endpoint uses) is recreated right after the restart, then delivers nothing until two
// idle heartbeats are missed (≈ 45 s with the default `expires` of 30 s), then everything at once.
// A race: about half of the runs stall (3 of 6 with @nats-io/jetstream 3.4.0 and nats-server 2.9.10);
// every consumer of the connection stalls together. With `expires` = 5000 the stall is ≈ 5–10 s.
//
//   node scripts/chaos/ordered-consumer-stall.mjs [expiresMs] [SIGTERM|SIGKILL]
// Needs the build (npm run build). Starts its own nats-server on a free port.
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from '../lib/common.mjs';

const require = createRequire(path.join(ROOT, 'package.json'));
const { startNats } = require(path.join(ROOT, 'libs/testing/dist/chaos/servers.js'));
const { connect } = require('@nats-io/transport-node');
const { jetstream, jetstreamManager, DeliverPolicy } = require('@nats-io/jetstream');

const expires = Number(process.argv[2] ?? 0);
const signal = process.argv[3] ?? 'SIGTERM';
const nats = await startNats();
const opts = { servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 };
const pub = await connect(opts);
const sub = await connect(opts);
await (await jetstreamManager(pub)).streams.add({ name: 'S', subjects: ['s.>'] });
const js = jetstream(pub);
const t0 = Date.now();
const rel = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
let worst = 0;
for (let i = 0; i < 4; i++) {
  const c = await jetstream(sub).consumers.get('S', {
    filter_subjects: `s.${i}`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: 1,
  });
  const messages = await c.consume(expires ? { expires } : undefined);
  void (async () => {
    for await (const s of messages.status())
      if (s.type !== 'next' && s.type !== 'heartbeat') console.log(rel(), `consumer ${i}:`, s.type);
  })();
  void (async () => {
    for await (const m of messages) worst = Math.max(worst, Date.now() - Number(m.string()));
  })();
}
let stop = false;
void (async () => {
  while (!stop) {
    for (let i = 0; i < 4; i++) await js.publish(`s.${i}`, String(Date.now())).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
  }
})();
await new Promise((r) => setTimeout(r, 3_000));
console.log(rel(), `nats-server ${signal}, up again 0.5 s later; worst delay so far ${worst} ms`);
worst = 0;
await nats.down(signal);
await new Promise((r) => setTimeout(r, 500));
await nats.up();
await new Promise((r) => setTimeout(r, 60_000));
stop = true;
console.log(rel(), `worst publish-to-delivery delay after the restart: ${worst} ms`);
await pub.close();
await sub.close();
await nats.stop();
