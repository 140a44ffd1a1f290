import { DeliveryFailed, DeliverySucceeded, TurnCompleted, TurnFailed } from './events';
import type { MailboxChannel, StreamKey, Topology } from './topology';

/**
 * Who may do what on the bus, derived from the topology: one NATS user per service, allowed to
 * publish what the service publishes and to consume what it consumes, nothing else. The subjects
 * come from the topology's own subject builders, so a renamed subject or stream changes the
 * permissions with it; `deploy/nats/auth.conf` is rendered from here (`npm run nats-config`) and a
 * spec keeps it current.
 */

/** The six services, each a NATS user of the same name. */
export const BUS_SERVICES = [
  'channel-gateway',
  'router',
  'session-runner',
  'delivery',
  'scheduler',
  'admin-api',
] as const;
export type BusService = (typeof BUS_SERVICES)[number];

/**
 * Users that are not services: `provisioner` creates and updates the streams and durable consumers
 * (`npm run nats-provision`, a deploy job); `dlq` lists, redrives and removes dead letters (`npm run dlq`).
 */
export const BUS_TOOLS = ['provisioner', 'dlq'] as const;
export type BusTool = (typeof BUS_TOOLS)[number];
export type BusUser = BusService | BusTool;
export const BUS_USERS: readonly BusUser[] = [...BUS_SERVICES, ...BUS_TOOLS];

/** What a service does on the bus besides its durable consumers (those are `topology.consumers` of its group). */
export interface ServiceBusUse {
  /** JetStream publishes, by the stream that stores them: subject patterns. */
  readonly publish: Partial<Record<StreamKey, readonly string[]>>;
  /** Core NATS publishes (no stream stores them). */
  readonly publishCore: readonly string[];
  /** Core NATS subscriptions. */
  readonly subscribeCore: readonly string[];
  /** Streams read with short-lived ordered consumers, and the filter subjects those may have. */
  readonly read: Partial<Record<StreamKey, readonly string[]>>;
  /**
   * Lists, redrives and removes dead letters, as the `dlq` user does: reads and deletes DLQ messages
   * and publishes each again to the subject it was consumed from.
   */
  readonly deadLetters?: boolean;
}

/** Stands for a variable part of a subject; everything from it on becomes `>`. */
const VAR = '\u0000';
const pattern = (subject: string): string => {
  const at = subject.indexOf(VAR);
  return at < 0 ? subject : `${subject.slice(0, at)}>`;
};

/**
 * The declaration: what each service publishes and reads, through the topology's subject builders.
 * A new publish or subscription in a service goes here too; the e2e spec with a nats-server running
 * the rendered permissions fails on anything a service does that is not declared.
 */
export function busUse(t: Topology): Record<BusService, ServiceBusUse> {
  const v = VAR as never;
  const s = t.subjects;
  const mailboxes: readonly MailboxChannel[] = ['http', 'cli'];
  const use = (u: Partial<ServiceBusUse>): ServiceBusUse => ({
    publish: {},
    publishCore: [],
    subscribeCore: [],
    read: {},
    ...u,
  });
  return {
    // The one entrance of every channel: nobody else puts messages into INBOUND. It reads the
    // mailboxes of the channels whose replies are read over SSE, and their progress.
    'channel-gateway': use({
      publish: { INBOUND: [pattern(s.inboundReceived(v, v))] },
      read: { HTTP_MAILBOX: mailboxes.map((c) => pattern(s.httpMailbox(c, v, v))) },
      subscribeCore: mailboxes.map((c) => pattern(s.progress(c, v, v))),
    }),
    // A pairing approved by `/pair` is announced (acknowledged JetStream publish, republished on redelivery).
    router: use({
      publish: { TURNS: [pattern(s.turnRequested(v, v))], EVENTS: [pattern(s.provisioningChanged(v))] },
      subscribeCore: [pattern(s.provisioningChanged(v))],
    }),
    // Its outbox relay publishes the replies and the turn facts; progress is core NATS.
    'session-runner': use({
      publish: {
        OUTBOUND: [pattern(s.outboundReady(v))],
        EVENTS: [pattern(s.event(TurnCompleted.type, v)), pattern(s.event(TurnFailed.type, v))],
      },
      publishCore: [pattern(s.progress(v, v, v))],
      subscribeCore: [pattern(s.provisioningChanged(v))],
    }),
    delivery: use({
      publish: {
        HTTP_MAILBOX: mailboxes.map((c) => pattern(s.httpMailbox(c, v, v))),
        EVENTS: [pattern(s.event(DeliverySucceeded.type, v)), pattern(s.event(DeliveryFailed.type, v))],
      },
    }),
    // Connected and ready; its subjects come with its issue.
    scheduler: use({}),
    // Through its outbox: the announcement of a provisioning change (stored in EVENTS; routers and
    // runners see it with core subscriptions) and an operator's message or /stop into INBOUND. Its
    // dead-letter routes redrive consumed work to where it was going, as the `dlq` user does.
    'admin-api': use({
      publish: {
        INBOUND: [pattern(s.inboundReceived(v, v))],
        EVENTS: [pattern(s.provisioningChanged(v))],
      },
      deadLetters: true,
    }),
  };
}

/** Replies to requests (JetStream API, publish acks, pulled messages) come to `<prefix>.<nuid>…`, one prefix per service. */
export function busInboxPrefix(user: string): string {
  return `_INBOX.${user}`;
}

export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

const API = '$JS.API';

/** The subjects a consumer's dead letters go to: its filter, or every subject of its stream when it filters nothing. */
function deadLetterSubjects(t: Topology, stream: StreamKey, filter: string): string[] {
  const all = t.namespace ? `${t.namespace}.>` : '>';
  return (filter === all ? t.streams[stream].subjects : [filter]).map((subject) => t.subjects.deadLetter(subject));
}

/** `CONSUMER.CREATE.<stream>.<name>[.<filter>]`: nats.js leaves out a filter of `>`. */
const consumerCreate = (stream: string, name: string, filter: string) =>
  filter === '>' ? `${API}.CONSUMER.CREATE.${stream}.${name}` : `${API}.CONSUMER.CREATE.${stream}.${name}.${filter}`;

/** Info, create/update (provisioning its own consumers), pull and ack, for each durable of the group. */
function durableRights(t: Topology, group: string): string[] {
  return t.consumers
    .filter((c) => c.group === group)
    .flatMap((c) => {
      const stream = t.streams[c.stream].name;
      return [
        `${API}.CONSUMER.INFO.${stream}.${c.durable}`,
        consumerCreate(stream, c.durable, c.filterSubject),
        `${API}.CONSUMER.MSG.NEXT.${stream}.${c.durable}`,
        `$JS.ACK.${stream}.${c.durable}.>`,
        ...deadLetterSubjects(t, c.stream, c.filterSubject),
      ];
    });
}

/** The streams a service publishes to, reads or consumes (and DLQ, when it has consumers): it checks them at start-up. */
export function streamsUsedBy(t: Topology, service: BusService): StreamKey[] {
  const use = busUse(t)[service];
  const consumed = t.consumers.filter((c) => c.group === service).map((c) => c.stream);
  const keys = new Set<StreamKey>([
    ...(Object.keys(use.publish) as StreamKey[]),
    ...(Object.keys(use.read) as StreamKey[]),
    ...consumed,
    ...(consumed.length || use.deadLetters ? (['DLQ'] as const) : []),
  ]);
  return (Object.keys(t.streams) as StreamKey[]).filter((k) => keys.has(k));
}

const unique = (list: readonly string[]) => [...new Set(list)];

/** Reading and removing dead letters, and a redrive's publish to the subject each was consumed from. */
function deadLetterRights(t: Topology): string[] {
  const dlq = t.streams.DLQ.name;
  const all = t.namespace ? `${t.namespace}.>` : '>';
  return [
    ...['MSG.GET', 'MSG.DELETE'].map((op) => `${API}.STREAM.${op}.${dlq}`),
    ...t.consumers.flatMap((c) => (c.filterSubject === all ? t.streams[c.stream].subjects : [c.filterSubject])),
  ];
}

/**
 * Least-privilege permissions of every user: services publish and consume what `busUse` and the
 * consumers of their group say, get stream info of the streams they use, and read replies on
 * their own inbox only. Nobody but the provisioner creates or changes a stream.
 */
export function busPermissions(t: Topology): Record<BusUser, NatsPermissions> {
  const uses = busUse(t);
  const service = (name: BusService): NatsPermissions => {
    const use = uses[name];
    const read = Object.entries(use.read) as [StreamKey, readonly string[]][];
    return {
      publish: unique([
        `${API}.INFO`,
        ...streamsUsedBy(t, name).map((k) => `${API}.STREAM.INFO.${t.streams[k].name}`),
        ...durableRights(t, name),
        // Ordered consumers: created with one of the declared filters, pulled from, deleted when done.
        ...read.flatMap(([k, filters]) => {
          const stream = t.streams[k].name;
          return [
            ...filters.map((f) => `${API}.CONSUMER.CREATE.${stream}.*.${f}`),
            `${API}.CONSUMER.MSG.NEXT.${stream}.*`,
            `${API}.CONSUMER.INFO.${stream}.*`,
            `${API}.CONSUMER.DELETE.${stream}.*`,
          ];
        }),
        ...Object.values(use.publish).flat(),
        ...use.publishCore,
        ...(use.deadLetters ? deadLetterRights(t) : []),
      ]),
      subscribe: unique([`${busInboxPrefix(name)}.>`, ...use.subscribeCore]),
    };
  };
  const streams = Object.values(t.streams);
  const dlq = t.streams.DLQ.name;
  return {
    ...(Object.fromEntries(BUS_SERVICES.map((name) => [name, service(name)])) as Record<BusService, NatsPermissions>),
    provisioner: {
      publish: [
        `${API}.INFO`,
        ...streams.flatMap((st) => ['INFO', 'CREATE', 'UPDATE'].map((op) => `${API}.STREAM.${op}.${st.name}`)),
        ...t.consumers.flatMap((c) => {
          const stream = t.streams[c.stream].name;
          return [`${API}.CONSUMER.INFO.${stream}.${c.durable}`, consumerCreate(stream, c.durable, c.filterSubject)];
        }),
      ],
      subscribe: [`${busInboxPrefix('provisioner')}.>`],
    },
    // Reads and removes dead letters; a redrive publishes each to the subject it was consumed from.
    dlq: {
      publish: unique([`${API}.INFO`, `${API}.STREAM.INFO.${dlq}`, ...deadLetterRights(t)]),
      subscribe: [`${busInboxPrefix('dlq')}.>`],
    },
  };
}

/** `NATS_PASSWORD_CHANNEL_GATEWAY`: the server's environment variable holding a user's password. */
export const natsPasswordVariable = (user: string) => `NATS_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;

export interface NatsAuthUser {
  readonly user: string;
  /** The value as written in the config: `$VARIABLE` (resolved from the server's environment) or a quoted string. */
  readonly password: string;
  /** Absent: every subject (a test's own observer). */
  readonly permissions?: NatsPermissions;
}

const list = (items: readonly string[], indent: string) =>
  `[\n${items.map((i) => `${indent}  ${JSON.stringify(i)}`).join('\n')}\n${indent}]`;

/**
 * The `authorization { users = [...] }` block of a nats-server config, one user per service and
 * tool with the permissions above. Passwords are `$NATS_PASSWORD_<USER>` references to the server's
 * environment unless `password` says otherwise (plain text or a bcrypt hash both work there).
 */
export function natsAuthorizationConfig(
  t: Topology,
  options: { password?: (user: BusUser) => string; extraUsers?: readonly NatsAuthUser[] } = {},
): string {
  const permissions = busPermissions(t);
  const users: NatsAuthUser[] = [
    ...BUS_USERS.map((user) => ({
      user,
      password: options.password?.(user) ?? `$${natsPasswordVariable(user)}`,
      permissions: permissions[user],
    })),
    ...(options.extraUsers ?? []),
  ];
  const render = (u: NatsAuthUser) =>
    [
      '    {',
      `      user: ${JSON.stringify(u.user)}`,
      `      password: ${u.password}`,
      ...(u.permissions
        ? [
            '      permissions: {',
            `        publish: { allow: ${list(u.permissions.publish, '        ')} }`,
            `        subscribe: { allow: ${list(u.permissions.subscribe, '        ')} }`,
            '      }',
          ]
        : []),
      '    }',
    ].join('\n');
  return [
    `# One NATS user per Clawfleet service, allowed only what it publishes and consumes (decision 21).`,
    `# Generated from the topology in libs/contracts (bus-permissions.ts) for bus namespace "${t.namespace}":`,
    "# do not edit; run `npm run nats-config`. Each password comes from the server's environment",
    '# (NATS_PASSWORD_<USER>), plain or a bcrypt hash.',
    'authorization {',
    '  users = [',
    users.map(render).join('\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
