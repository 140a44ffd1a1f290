import { connectNats, provision } from '@clawfleet/bus';
import {
  BUS_SERVICES,
  BUS_USERS,
  natsAuthorizationConfig,
  natsPasswordVariable,
  topology,
  type BusService,
  type BusUser,
} from '@clawfleet/contracts';
import { startNats, uniqueNamespace, type AppName, type NatsServer } from '@clawfleet/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomBytes } from 'node:crypto';

/** A user of the spec's own: may do anything, to read every stream and clean up. Not in deploy/nats. */
export const OBSERVER = 'e2e-observer';

/**
 * A nats-server of the spec's own, with the authorization rendered from the topology (as in
 * deploy/nats/auth.conf, for the spec's namespace) and a fresh password per user in its environment.
 */
export interface SecuredBus {
  readonly server: NatsServer;
  readonly url: string;
  readonly namespace: string;
  readonly passwords: Readonly<Record<BusUser | typeof OBSERVER, string>>;
  /** NATS_USER/NATS_PASSWORD of each service, and BUS_PROVISION_STREAMS=false: the launcher's `appEnv`. */
  appEnv(): Partial<Record<AppName, Record<string, string>>>;
  /** The deploy job: every stream and consumer, created as the provisioner. */
  provision(): Promise<void>;
  /** A new password for `user` on the server (a config reload), not given to anybody. */
  rotatePassword(user: BusUser): Promise<void>;
  /** The server's permission and authentication errors so far. */
  violations(): string[];
  stop(): Promise<void>;
}

export async function startSecuredBus(prefix = 's'): Promise<SecuredBus> {
  const namespace = uniqueNamespace(prefix);
  const t = topology(namespace);
  // Letters and digits only: a secret looked for in logs and streams matches plainly and in JSON.
  const secret = () => `pw${randomBytes(18).toString('hex')}`;
  const passwords = Object.fromEntries([...BUS_USERS, OBSERVER].map((u) => [u, secret()])) as Record<
    BusUser | typeof OBSERVER,
    string
  >;
  const rotated = new Map<BusUser, string>();
  const config = () =>
    natsAuthorizationConfig(t, {
      password: (user) => (rotated.has(user) ? JSON.stringify(rotated.get(user)) : `$${natsPasswordVariable(user)}`),
      extraUsers: [{ user: OBSERVER, password: `$${natsPasswordVariable(OBSERVER)}` }],
    });
  const env = Object.fromEntries(Object.entries(passwords).map(([u, p]) => [natsPasswordVariable(u), p]));
  const server = await startNats({ config: config(), env });
  return {
    server,
    url: server.url,
    namespace,
    passwords,
    appEnv: () =>
      Object.fromEntries(
        BUS_SERVICES.map((s: BusService) => [
          s,
          { NATS_USER: s, NATS_PASSWORD: passwords[s], BUS_PROVISION_STREAMS: 'false' },
        ]),
      ),
    async provision() {
      const nc = await connectNats(server.url, 'provisioner', {
        auth: { user: 'provisioner', password: passwords.provisioner },
      });
      try {
        await provision(await jetstreamManager(nc), t);
      } finally {
        await nc.close();
      }
    },
    async rotatePassword(user) {
      rotated.set(user, secret());
      await server.reload(config());
    },
    violations: () => server.logs(500).filter((l) => /Violation|authentication error|Authorization Error/i.test(l)),
    stop: () => server.stop(),
  };
}
