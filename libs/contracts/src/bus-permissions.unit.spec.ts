// The library stays runtime-free; this spec alone reads the checked-in config.
// eslint-disable-next-line no-restricted-imports
import { readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports
import { join } from 'node:path';
import {
  BUS_SERVICES,
  BUS_USERS,
  busPermissions,
  busUse,
  natsAuthorizationConfig,
  streamsUsedBy,
  topology,
  type BusUser,
  type NatsPermissions,
  type StreamKey,
} from './index';

/** NATS subject matching: `*` one token, `>` one or more at the end. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const may = (allow: readonly string[], subject: string) => allow.some((p) => matches(p, subject));

const t = topology('');
const perms = busPermissions(t);
/** The users allowed to publish `subject`. */
const publishers = (subject: string, all: Record<BusUser, NatsPermissions> = perms) =>
  BUS_USERS.filter((u) => may(all[u].publish, subject));
const subscribers = (subject: string) => BUS_USERS.filter((u) => may(perms[u].subscribe, subject));

describe('the permissions derived from the topology', () => {
  it('let each fact be published by the one service that produces it (and admin-api and dlq, which redrive consumed work)', () => {
    // admin-api also puts an operator's message or /stop into INBOUND (through its outbox).
    expect(publishers(t.subjects.inboundReceived('http', 3))).toEqual(['channel-gateway', 'admin-api', 'dlq']);
    expect(publishers(t.subjects.inboundReceived('telegram', 7))).toEqual(['channel-gateway', 'admin-api', 'dlq']);
    expect(publishers(t.subjects.turnRequested('acme', 's-1'))).toEqual(['router', 'admin-api', 'dlq']);
    expect(publishers(t.subjects.outboundReady('http'))).toEqual(['session-runner', 'admin-api', 'dlq']);
    expect(publishers(t.subjects.event('turn.completed', 'acme'))).toEqual(['session-runner']);
    expect(publishers(t.subjects.event('turn.failed', 'acme'))).toEqual(['session-runner']);
    expect(publishers(t.subjects.event('delivery.succeeded', 'acme'))).toEqual(['delivery']);
    expect(publishers(t.subjects.event('delivery.failed', 'acme'))).toEqual(['delivery']);
    expect(publishers(t.subjects.httpMailbox('http', 'acme', 'alice'))).toEqual(['delivery']);
    expect(publishers(t.subjects.httpMailbox('cli', 'acme', 'alice'))).toEqual(['delivery']);
    expect(publishers(t.subjects.progress('http', 'acme', 'alice'))).toEqual(['session-runner']);
    // admin-api with every change; a router when an owner's /pair approves a pairing.
    expect(publishers(t.subjects.provisioningChanged('acme'))).toEqual(['router', 'admin-api']);
    // A JetStream subject of EVENTS, published through admin-api's outbox; routers and runners subscribe to it.
    expect(t.streams.EVENTS.subjects.some((s) => matches(s, t.subjects.provisioningChanged('acme')))).toBe(true);
    expect(subscribers(t.subjects.provisioningChanged('acme'))).toEqual(['router', 'session-runner']);
    // Nobody publishes tool completions yet (only a redrive does).
    expect(publishers(t.subjects.toolCompleted('acme', 's-1'))).toEqual(['admin-api', 'dlq']);
  });

  it("let a consumer's dead letters go only where that consumer's messages come from", () => {
    expect(publishers(t.subjects.deadLetter(t.subjects.inboundReceived('http', 5)))).toEqual(['router']);
    expect(publishers(t.subjects.deadLetter(t.subjects.turnRequested('acme', 's-1')))).toEqual(['session-runner']);
    expect(publishers(t.subjects.deadLetter(t.subjects.toolCompleted('acme', 's-1')))).toEqual(['session-runner']);
    expect(publishers(t.subjects.deadLetter(t.subjects.outboundReady('slack')))).toEqual(['delivery']);
  });

  it('let each durable consumer be pulled, acked and kept by its own service only', () => {
    for (const c of t.consumers) {
      const stream = t.streams[c.stream].name;
      expect([c.durable, publishers(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${c.durable}`)]).toEqual([
        c.durable,
        [c.group],
      ]);
      expect([c.durable, publishers(`$JS.ACK.${stream}.${c.durable}.1.42.42.1700000000000000000.0`)]).toEqual([
        c.durable,
        [c.group],
      ]);
      expect([c.durable, publishers(`$JS.API.CONSUMER.INFO.${stream}.${c.durable}`)]).toEqual([
        c.durable,
        [c.group, 'provisioner'],
      ]);
    }
    // The create subject carries the filter (nats.js leaves out a filter of `>`).
    expect(publishers('$JS.API.CONSUMER.CREATE.INBOUND.router-p3.inbound.received.*.3')).toEqual([
      'router',
      'provisioner',
    ]);
    expect(publishers('$JS.API.CONSUMER.CREATE.TURNS.session-runner')).toEqual(['session-runner', 'provisioner']);
    expect(publishers('$JS.API.CONSUMER.CREATE.OUTBOUND.delivery.outbound.ready.>')).toEqual([
      'delivery',
      'provisioner',
    ]);
  });

  it('let only the gateway read the HTTP mailbox, with a consumer filtered to a mailbox', () => {
    const create = '$JS.API.CONSUMER.CREATE.HTTP_MAILBOX.oc_abc_1';
    expect(publishers(`${create}.mailbox.http.acme.alice`)).toEqual(['channel-gateway']);
    expect(publishers(`${create}.mailbox.cli.acme.alice`)).toEqual(['channel-gateway']);
    // Unfiltered, or on another stream: nobody.
    expect(publishers(create)).toEqual([]);
    expect(publishers('$JS.API.CONSUMER.CREATE.TURNS.oc_abc_1.turn.requested.>')).toEqual([]);
    expect(publishers('$JS.API.CONSUMER.MSG.NEXT.HTTP_MAILBOX.oc_abc_1')).toEqual(['channel-gateway']);
    expect(subscribers(t.subjects.progress('http', 'acme', 'alice'))).toEqual(['channel-gateway']);
    expect(subscribers(t.subjects.httpMailbox('http', 'acme', 'alice'))).toEqual([]);
  });

  it('let only the provisioner create or change a stream, and nobody delete one', () => {
    for (const stream of Object.values(t.streams)) {
      for (const op of ['CREATE', 'UPDATE']) {
        expect([stream.name, op, publishers(`$JS.API.STREAM.${op}.${stream.name}`)]).toEqual([
          stream.name,
          op,
          ['provisioner'],
        ]);
      }
      expect(publishers(`$JS.API.STREAM.DELETE.${stream.name}`)).toEqual([]);
      expect(publishers(`$JS.API.STREAM.PURGE.${stream.name}`)).toEqual([]);
    }
    expect(publishers('$JS.API.STREAM.MSG.GET.DLQ')).toEqual(['admin-api', 'dlq']);
    expect(publishers('$JS.API.STREAM.MSG.DELETE.DLQ')).toEqual(['admin-api', 'dlq']);
    expect(publishers('$JS.API.STREAM.MSG.GET.INBOUND')).toEqual([]);
  });

  it('give each user its own inbox and nobody another one', () => {
    for (const user of BUS_USERS) {
      expect(subscribers(`_INBOX.${user}.Xy12.1`)).toEqual([user]);
    }
    expect(subscribers('_INBOX.Xy12.1')).toEqual([]);
    expect(BUS_USERS.filter((u) => perms[u].subscribe.includes('>') || perms[u].publish.includes('>'))).toEqual([]);
  });

  it('give stream info of exactly the streams a service uses', () => {
    const used = Object.fromEntries(BUS_SERVICES.map((s) => [s, streamsUsedBy(t, s)]));
    expect(used).toEqual({
      'channel-gateway': ['INBOUND', 'HTTP_MAILBOX'],
      router: ['INBOUND', 'TURNS', 'EVENTS', 'DLQ'],
      'session-runner': ['TURNS', 'OUTBOUND', 'EVENTS', 'DLQ'],
      delivery: ['OUTBOUND', 'EVENTS', 'DLQ', 'HTTP_MAILBOX'],
      scheduler: [],
      'admin-api': ['INBOUND', 'EVENTS', 'DLQ'],
    });
    for (const service of BUS_SERVICES) {
      const info = (Object.keys(t.streams) as StreamKey[]).filter((k) =>
        may(perms[service].publish, `$JS.API.STREAM.INFO.${t.streams[k].name}`),
      );
      expect([service, info]).toEqual([service, streamsUsedBy(t, service)]);
    }
  });

  it('declare each JetStream publish on a stream that stores it', () => {
    for (const [service, use] of Object.entries(busUse(t))) {
      for (const [key, subjects] of Object.entries(use.publish) as [StreamKey, string[]][]) {
        for (const subject of subjects) {
          const covered = t.streams[key].subjects.some((s) => matches(s, subject.replace(/>$/, 'x')));
          expect([service, subject, key, covered]).toEqual([service, subject, key, true]);
        }
      }
    }
  });

  it('carry the namespace into every subject and stream name', () => {
    const ns = topology('acme-prod');
    const all = busPermissions(ns);
    for (const user of BUS_USERS) {
      for (const subject of [...all[user].publish, ...all[user].subscribe]) {
        const ok =
          subject.startsWith('acme-prod.') || subject.startsWith('_INBOX.') || /^\$JS\.(API|ACK)\./.test(subject);
        expect([user, subject, ok]).toEqual([user, subject, true]);
        // A stream or consumer named in a JetStream subject is the namespace's.
        const named = /^\$JS\.(API\.(STREAM|CONSUMER)\.|ACK\.)/.test(subject);
        expect([user, subject, !named || /\.ACME_PROD_[A-Z_]+\b/.test(subject)]).toEqual([user, subject, true]);
      }
    }
    expect(publishers(ns.subjects.turnRequested('acme', 's-1'), all)).toEqual(['router', 'admin-api', 'dlq']);
    expect(publishers(t.subjects.turnRequested('acme', 's-1'), all)).toEqual([]);
    expect(publishers('$JS.API.CONSUMER.CREATE.ACME_PROD_TURNS.session-runner.acme-prod.>', all)).toEqual([
      'session-runner',
      'provisioner',
    ]);
  });
});

describe('deploy/nats/auth.conf', () => {
  it('is the rendering of the topology, checked in and current', () => {
    const file = join(__dirname, '..', '..', '..', 'deploy', 'nats', 'auth.conf');
    const hint = 'run `npm run nats-config` and commit deploy/nats/auth.conf';
    expect({ current: readFileSync(file, 'utf8') === natsAuthorizationConfig(topology('')), hint }).toEqual({
      current: true,
      hint,
    });
  });

  it('names every user, its password as a reference to the server environment, and its permissions', () => {
    const text = natsAuthorizationConfig(t, { extraUsers: [{ user: 'observer', password: '"pw"' }] });
    for (const user of BUS_USERS) {
      expect(text).toContain(
        `user: "${user}"\n      password: $NATS_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}\n      permissions: {`,
      );
    }
    expect(text).toContain('user: "observer"\n      password: "pw"\n    }');
    expect(text).toContain('"$JS.API.CONSUMER.MSG.NEXT.TURNS.session-runner"');
  });
});
