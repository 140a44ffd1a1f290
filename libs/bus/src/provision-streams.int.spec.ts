import { topology } from '@clawfleet/contracts';
import { TEST_NATS_URL, uniqueNamespace } from '@clawfleet/testing';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from './connection';
import { provision } from './provision';

// A service whose NATS user may not create streams (BUS_PROVISION_STREAMS=false) only checks the
// streams it uses; they are the provisioner's. Its own consumers it still creates and updates.
let nc: NatsConnection;
let jsm: JetStreamManager;
const ns = uniqueNamespace('prov');
const t = topology(ns);

beforeAll(async () => {
  nc = await connectNats(TEST_NATS_URL, 'provision-streams-spec');
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  for (const spec of Object.values(t.streams)) await jsm.streams.delete(spec.name).catch(() => undefined);
  await nc.close();
});

describe('provision with the streams left to the provisioner', () => {
  const delivery = t.consumers.filter((c) => c.group === 'delivery');

  it('stops with what to run when a stream it uses does not exist, creating nothing', async () => {
    await expect(provision(jsm, t, { streams: ['OUTBOUND', 'DLQ'], consumers: delivery })).rejects.toThrow(
      `stream ${t.streams.OUTBOUND.name} does not exist: provision the bus first (\`npm run nats-provision\``,
    );
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(ns.toUpperCase())) names.push(name);
    expect(names).toEqual([]);
  });

  it("checks the provisioner's streams without changing them, and keeps its own consumers", async () => {
    await provision(jsm, t, { consumers: [] });
    // An operator's change (a description here) stays: the service does not update the stream.
    const outbound = (await jsm.streams.info(t.streams.OUTBOUND.name)).config;
    await jsm.streams.update(t.streams.OUTBOUND.name, { ...outbound, description: 'tuned by the operator' });
    await provision(jsm, t, { streams: ['OUTBOUND', 'EVENTS', 'DLQ', 'HTTP_MAILBOX'], consumers: delivery });
    expect((await jsm.streams.info(t.streams.OUTBOUND.name)).config.description).toBe('tuned by the operator');
    expect((await jsm.consumers.info(t.streams.OUTBOUND.name, 'delivery')).config.filter_subject).toBe(
      t.subjects.outboundReady('http').replace(/http$/, '>'),
    );
    // With the streams its own to provision, the declared description comes back.
    await provision(jsm, t, { consumers: delivery });
    expect((await jsm.streams.info(t.streams.OUTBOUND.name)).config.description).toBe(t.streams.OUTBOUND.description);
  });
});
