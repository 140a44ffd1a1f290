import type Docker from 'dockerode';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { dockerExec } from './docker-exec';
import { HelperChannel } from './helper-channel';
import type { EgressProxy } from './egress/egress-proxy';
import { containerOptions, policyDigest, policyViolations, tighten, type SandboxPolicy } from './policy';
import { checkFence, Fenced, SandboxError, type ExecRequest, type ExecResult, type SandboxOwner, type SandboxPort } from './sandbox.port';
import { WarmPool, type PoolEntry } from './warm-pool';
import { checkOwner, ensureWorkspace, poolClaim, poolWorkspace, workspacePath, workspaceSource } from './workspace';

export const LABEL = {
  sandbox: 'clawfleet.sandbox',
  namespace: 'clawfleet.namespace',
  tenant: 'clawfleet.tenant',
  agent: 'clawfleet.agent',
  session: 'clawfleet.session',
  runner: 'clawfleet.runner',
  /** A warm-pool container: its pool id (its directory is <root>/<namespace>/_ws/<id>). */
  pool: 'clawfleet.pool',
  /** The digest of the (effective) policy it was made under: another one means its agent's sandbox changed. */
  policy: 'clawfleet.policy',
} as const;

const POOL_ID = /^[0-9a-f-]{36}$/;
/** How long a warm container's helper may take to answer its first ping. */
const HELPER_READY_MS = 30_000;

export interface DockerSandboxOptions {
  readonly docker: Docker;
  readonly image: string;
  readonly policy: SandboxPolicy;
  /** Host directory (on the engine's host) under which session workspaces live. */
  readonly workspaceRoot: string;
  /** Separates deployments and test runs sharing one engine (the bus namespace). */
  readonly namespace: string;
  /** A stable name of this runner (its host or pod name): it reaps what it left behind. */
  readonly runnerId: string;
  /** A container unused this long is stopped; a stopped one this long is removed. */
  readonly idleMs: number;
  readonly maxPerRunner: number;
  readonly maxPerTenant: number;
  /** `helper`: one long-lived process per container runs every call; `exec`: one docker exec per call. */
  readonly execMode?: 'helper' | 'exec';
  /** Pre-started containers waiting for new sessions (0: none). */
  readonly warmPool?: number;
  /** Runtimes an agent's sandbox may name (SANDBOX_RUNTIMES_ALLOWED); another is refused. */
  readonly runtimesAllowed?: readonly string[];
  /** The filtering proxy of agents with egress; absent: no agent has egress (SANDBOX_EGRESS=off). */
  readonly egress?: EgressProxy;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  readonly now?: () => number;
}

interface Live {
  readonly id: string;
  readonly owner: SandboxOwner;
  /** The digest of the policy it runs under. */
  readonly digest: string;
  /** Its labels (a claimed warm container's pool id: its directory is kept when it goes). */
  readonly labels: Record<string, string>;
  /** A warm container just taken: renamed, and the pool refilled, once its first call is done. */
  claimed?: boolean;
  lastUsed: number;
  busy: number;
  helper?: Promise<HelperChannel>;
}

const OUT_OF_PIDS =
  'the sandbox ran out of processes (its pids limit) and was restarted: every process in it was stopped, files are kept';

const isStatus = (error: unknown, code: number) => (error as { statusCode?: number }).statusCode === code;

/** One hardened container per session on one Docker engine that every runner reaches. */
export class DockerSandboxes implements SandboxPort {
  private readonly live = new Map<string, Promise<Live>>();
  private readonly uid: number;
  private readonly gid: number;
  private readonly now: () => number;
  private readonly pool: WarmPool;

  constructor(private readonly o: DockerSandboxOptions) {
    [this.uid, this.gid] = o.policy.user.split(':').map(Number) as [number, number];
    this.now = o.now ?? Date.now;
    this.pool = new WarmPool(o.warmPool ?? 0, () => this.makePoolEntry(), (entry) => this.discard(entry), o.log);
  }

  async exec(owner: SandboxOwner, request: ExecRequest): Promise<ExecResult> {
    checkOwner(owner);
    // A runner whose lease ran out takes no container either (checked again right before the send).
    checkFence(request.startBy);
    const { policy, allow } = this.policyOf(owner);
    const digest = policyDigest(policy);
    if (allow) await this.openEgress(owner, allow);
    else await this.o.egress?.close(this.key(owner));
    for (let attempt = 0; ; attempt++) {
      let pending = this.acquire(owner, policy);
      let live = await pending;
      if (live.digest !== digest) {
        // Its agent's sandbox changed since: the container made under the old policy is replaced
        // (removed here: a claimed warm container has no session label for start() to find).
        this.forget(owner, pending);
        await this.remove(live.id, live.labels);
        pending = this.acquire(owner, policy);
        live = await pending;
      }
      live.busy++;
      let result: ExecResult;
      try {
        result = await this.run(live, request);
      } catch (error) {
        if (error instanceof Fenced) throw error;
        // Removed or stopped behind our back (a sweep, an operator): once more with a fresh lookup.
        this.forget(owner, pending);
        if (/EAGAIN/.test(String((error as Error).message))) {
          await this.kill(live.id);
          throw new SandboxError(OUT_OF_PIDS);
        }
        if (attempt > 0 || !(isStatus(error, 404) || isStatus(error, 409))) throw this.toolError(error);
        continue;
      } finally {
        live.busy--;
        live.lastUsed = this.now();
        if (live.claimed) this.afterClaim(live);
      }
      const outOfPids = result.exitCode !== null && result.exitCode >= 125 && /fork system call failed|Resource temporarily unavailable/.test(result.stderr);
      if (result.timedOut || outOfPids) {
        // A process group kill can miss what forks meanwhile (a fork bomb): killing the container
        // ends its whole PID namespace. Files stay; the next call starts it again.
        this.forget(owner, pending);
        await this.kill(live.id);
      }
      if (outOfPids)
        throw new SandboxError(OUT_OF_PIDS);
      return result;
    }
  }

  /**
   * The effective policy of a session: its agent's sandbox clamped to the runner's (tighten: limits
   * only go down, whatever the agent's data says), a runtime only from the operator's allow-list, and
   * egress only when the agent lists hosts and this runner has the proxy.
   */
  policyOf(owner: SandboxOwner): { policy: SandboxPolicy; allow: readonly string[] | null } {
    const wanted = owner.sandbox;
    if (wanted?.runtime && !(this.o.runtimesAllowed ?? []).includes(wanted.runtime))
      throw new SandboxError(
        `this agent's sandbox runtime "${wanted.runtime}" is not one the operator allows (SANDBOX_RUNTIMES_ALLOWED: ${(this.o.runtimesAllowed ?? []).join(', ') || 'none'}); no sandbox was started`,
      );
    const policy = tighten(this.o.policy, {
      ...(wanted?.memoryMb !== undefined && { memoryBytes: wanted.memoryMb * 1024 * 1024 }),
      ...(wanted?.cpus !== undefined && { cpus: wanted.cpus }),
      ...(wanted?.pidsLimit !== undefined && { pidsLimit: wanted.pidsLimit }),
      ...(wanted?.runtime && { runtime: wanted.runtime }),
    });
    const allow = this.o.egress && wanted?.egress ? wanted.egress.allow : null;
    return { policy: allow ? { ...policy, egress: true } : policy, allow };
  }

  /** The directory of a session's proxy socket on the host (short: a socket path has at most 107 bytes). */
  private egressDir(owner: SandboxOwner): string {
    const id = createHash('sha256').update(`${this.o.namespace}/${owner.tenantId}/${owner.sessionId}`).digest('hex').slice(0, 24);
    return path.join(this.o.workspaceRoot, '_egress', id);
  }

  private async openEgress(owner: SandboxOwner, allow: readonly string[]) {
    try {
      await this.o.egress!.open(this.key(owner), this.egressDir(owner), allow);
    } catch (error) {
      throw new SandboxError(`the sandbox's egress proxy could not listen: ${(error as Error).message}`);
    }
  }

  /** Through the container's helper (started on first use, again after it died), or one exec. */
  private async run(live: Live, request: ExecRequest): Promise<ExecResult> {
    const container = this.o.docker.getContainer(live.id);
    if (this.o.execMode === 'exec') return dockerExec(this.o.docker, container, this.o.policy.user, request);
    let helper = await live.helper?.catch(() => undefined);
    if (!helper || helper.dead) {
      // Ready once it answers: its node boots before the call's deadline is taken and sent.
      live.helper = this.startHelper(container);
      helper = await live.helper;
    }
    return helper.exec(request);
  }

  /** The containers of a session, by its container name or its labels (for tests and operators). */
  async containersOf(owner: SandboxOwner): Promise<Docker.ContainerInfo[]> {
    const name = `/${this.containerName(owner)}`;
    return (await this.list({})).filter(
      (c) =>
        c.Names?.includes(name) || (c.Labels[LABEL.session] === owner.sessionId && c.Labels[LABEL.tenant] === owner.tenantId),
    );
  }

  async release(owner: SandboxOwner): Promise<void> {
    checkOwner(owner);
    const pending = this.live.get(this.key(owner));
    this.live.delete(this.key(owner));
    const live = await pending?.catch(() => null);
    if (live) await this.remove(live.id, live.labels); // a claimed warm container carries no session label
    for (const c of await this.containersOf(owner)) await this.remove(c.Id, c.Labels);
    await this.o.egress?.close(this.key(owner));
    await fs.rm(this.egressDir(owner), { recursive: true, force: true });
  }

  async sweep(): Promise<void> {
    const now = this.now();
    for (const [key, pending] of this.live) {
      const live = await pending.catch(() => null);
      if (live && live.busy === 0 && now - live.lastUsed >= this.o.idleMs && this.live.get(key) === pending) {
        this.live.delete(key);
        await this.stop(live.id);
        await this.o.egress?.close(key);
      }
    }
    const ours = this.pool.ids();
    for (const pending of this.live.values()) {
      const live = await pending.catch(() => null);
      if (live) ours.add(live.id);
    }
    for (const c of await this.list({})) {
      if (ours.has(c.Id)) continue;
      if (c.State === 'running') {
        // Left running by an earlier life of this runner: nobody here uses it now.
        if (c.Labels[LABEL.runner] === this.o.runnerId) await this.stop(c.Id);
        continue;
      }
      const info = await this.o.docker.getContainer(c.Id).inspect().catch(() => null);
      const since = Date.parse(info?.State.FinishedAt ?? '') || c.Created * 1000;
      // A stopped container holds nothing (the workspace is on the host): any runner may remove it.
      if (info && !info.State.Running && now - since >= this.o.idleMs) await this.remove(c.Id, c.Labels);
    }
    await this.pool.fill();
  }

  /** Starts the warm pool's containers (the sweep keeps it full). */
  warmUp(): Promise<void> {
    return this.pool.fill();
  }

  /** Removes every container of this namespace (tests, and `close({ removeAll })` in dev). */
  async removeAll(): Promise<void> {
    await this.close();
    for (const c of await this.list({})) await this.remove(c.Id, c.Labels);
  }

  /** Forgets the containers (they stay, for this runner's next life or another runner to adopt). */
  async close(): Promise<void> {
    await this.o.egress?.closeAll();
    for (const entry of this.pool.drain()) entry.helper?.close();
    const lives = [...this.live.values()];
    this.live.clear();
    for (const pending of lives) {
      const live = await pending.catch(() => null);
      (await live?.helper?.catch(() => null))?.close();
    }
  }

  private key = (o: SandboxOwner) => `${o.tenantId}/${o.sessionId}`;

  /**
   * A session's container name: `clawfleet.<namespace>.<tenant>.<session>`. Ids have no `.`, so no two
   * sessions share a name. The name is the session's claim on a container: a create of a taken name
   * fails (409) and a warm container a session takes is renamed to it, since labels cannot change.
   */
  private containerName(owner: SandboxOwner): string {
    return `clawfleet.${this.o.namespace || '_'}.${owner.tenantId}.${owner.sessionId}`;
  }

  private forget(owner: SandboxOwner, pending: Promise<Live>) {
    const key = this.key(owner);
    if (this.live.get(key) === pending) this.live.delete(key);
    // Its helper goes with it: the next lookup starts a fresh one.
    void pending.then((live) => live.helper?.then((h) => h.close())).catch(() => {});
  }

  private acquire(owner: SandboxOwner, policy: SandboxPolicy): Promise<Live> {
    const key = this.key(owner);
    let pending = this.live.get(key);
    if (!pending) {
      pending = this.start(owner, policy);
      this.live.set(key, pending);
      pending.catch(() => this.live.get(key) === pending && this.live.delete(key));
    }
    return pending;
  }

  /**
   * A new session (no workspace yet) takes a warm container without a call to the engine, when it
   * runs under the runner's own policy (warm containers are made under it); any other adopts the
   * session's container (any runner's: the lease says who may run) or creates one.
   */
  private async start(owner: SandboxOwner, policy: SandboxPolicy): Promise<Live> {
    const link = workspacePath(this.o.workspaceRoot, this.o.namespace, owner);
    const digest = policyDigest(policy);
    const egressSource = policy.egress ? this.egressDir(owner) : undefined;
    let source = await workspaceSource(link);
    if (source === undefined && digest === policyDigest(this.o.policy)) {
      const claimed = await this.claim(owner, link);
      if (claimed) return claimed;
    }
    let info = await this.find(owner);
    const madeUnder = info?.Config.Labels?.[LABEL.policy];
    if (info && madeUnder && madeUnder !== digest) {
      // Made under another policy of its agent (limits, runtime, egress changed): replaced, the workspace stays.
      this.o.log?.('sandbox container made under another policy; replaced', { container: info.Id });
      await this.remove(info.Id, info.Config.Labels ?? {});
      info = undefined;
    }
    if (!info) {
      await this.checkCaps(owner);
      await ensureWorkspace(link, this.uid, this.gid);
      source = await workspaceSource(link);
      info = await this.create(owner, source!, policy, egressSource);
    }
    source ??= await workspaceSource(link);
    const container = this.o.docker.getContainer(info.Id);
    const problems = policyViolations(policy, info, source ?? link, egressSource);
    if (problems.length > 0) {
      // Refused, never used: whatever made it so, a fresh container follows the policy.
      this.o.log?.('sandbox container breaks the policy; removed', { container: info.Id, problems });
      await this.remove(info.Id, info.Config.Labels ?? {});
      throw new SandboxError(`the sandbox container broke the sandbox policy (${problems.join('; ')}); it was removed, try again`);
    }
    if (!info.State.Running) {
      try {
        await container.start();
      } catch (error) {
        if (!isStatus(error, 304)) throw this.toolError(error);
      }
    }
    return { id: info.Id, owner, digest, lastUsed: this.now(), busy: 0, labels: info.Config.Labels ?? {} };
  }

  /**
   * A warm container for a session that has no workspace yet: its directory becomes the session's
   * workspace by a link at the session's workspace path, made atomically (it fails if the session got
   * a workspace meanwhile, which then starts cold). The claim file is written first: while it exists,
   * removing the container keeps the directory. The container is renamed to the session's name after
   * the call has started, off its path.
   */
  private async claim(owner: SandboxOwner, link: string): Promise<Live | undefined> {
    const entry = this.pool.take();
    if (!entry) return undefined;
    try {
      await this.checkCaps(owner);
    } catch (error) {
      this.pool.giveBack(entry);
      throw error;
    }
    const claimFile = poolClaim(this.o.workspaceRoot, this.o.namespace, entry.poolId);
    try {
      await fs.mkdir(path.dirname(claimFile), { recursive: true, mode: 0o700 });
      await fs.writeFile(claimFile, `${owner.tenantId}/${owner.sessionId}\n`, { flag: 'wx' });
      await fs.mkdir(path.dirname(link), { recursive: true, mode: 0o711 });
      await fs.symlink(path.relative(path.dirname(link), entry.dir), link);
    } catch {
      await fs.rm(claimFile, { force: true }).catch(() => undefined);
      this.pool.giveBack(entry);
      return undefined;
    }
    const labels = { [LABEL.pool]: entry.poolId };
    return {
      id: entry.id,
      owner,
      digest: policyDigest(this.o.policy),
      lastUsed: this.now(),
      busy: 0,
      labels,
      claimed: true,
      ...(entry.helper && { helper: Promise.resolve(entry.helper) }),
    };
  }

  /** After a claimed container's first call: it takes the session's name, and the pool refills. */
  private afterClaim(live: Live): void {
    live.claimed = false;
    const name = this.containerName(live.owner);
    void this.o.docker
      .getContainer(live.id)
      .rename({ name })
      .catch((error: unknown) => this.o.log?.('renaming a claimed sandbox failed', { id: live.id, name, error: String(error) }))
      .finally(() => void this.pool.fill());
  }

  /** The session's container: by its name (one inspect), else by the labels of containers made before names were the claim. */
  private async find(owner: SandboxOwner): Promise<Docker.ContainerInspectInfo | undefined> {
    let info = await this.o.docker
      .getContainer(this.containerName(owner))
      .inspect()
      .catch((error: unknown) => (isStatus(error, 404) ? undefined : Promise.reject(this.toolError(error))));
    if (info && (info.Config.Labels?.[LABEL.sandbox] !== '1' || info.Config.Labels?.[LABEL.namespace] !== this.o.namespace))
      throw new SandboxError('a container that is not a sandbox of this installation has the session\'s name');
    if (!info) {
      const [labelled] = await this.list({ [LABEL.session]: owner.sessionId, [LABEL.tenant]: owner.tenantId });
      if (labelled) info = await this.o.docker.getContainer(labelled.Id).inspect();
    }
    return info;
  }

  private async makePoolEntry(): Promise<PoolEntry> {
    const poolId = randomUUID();
    const dir = poolWorkspace(this.o.workspaceRoot, this.o.namespace, poolId);
    await ensureWorkspace(dir, this.uid, this.gid);
    const name = `clawfleet.${this.o.namespace || '_'}._pool.${poolId}`;
    const labels = { [LABEL.sandbox]: '1', [LABEL.namespace]: this.o.namespace, [LABEL.runner]: this.o.runnerId, [LABEL.pool]: poolId };
    const { id } = await this.o.docker.createContainer(
      containerOptions(this.o.policy, { name, image: this.o.image, labels, workspaceSource: dir }),
    );
    try {
      const container = this.o.docker.getContainer(id);
      const problems = policyViolations(this.o.policy, await container.inspect(), dir);
      if (problems.length > 0) throw new SandboxError(`a warm sandbox broke the policy: ${problems.join('; ')}`);
      await container.start();
      if (this.o.execMode === 'exec') return { id, poolId, dir };
      // Ready means answering: node in the helper has booted, so the first call pays one round trip.
      return { id, poolId, dir, helper: await this.startHelper(container) };
    } catch (error) {
      await this.remove(id, labels);
      throw error;
    }
  }

  /** A helper in the container that has answered a ping. */
  private async startHelper(container: Docker.Container): Promise<HelperChannel> {
    const helper = await HelperChannel.start(this.o.docker, container, this.o.policy.user);
    try {
      await helper.ping(HELPER_READY_MS);
    } catch (error) {
      helper.close();
      throw error;
    }
    return helper;
  }

  private async discard(entry: PoolEntry): Promise<void> {
    entry.helper?.close();
    await this.remove(entry.id, { [LABEL.pool]: entry.poolId });
  }

  private async create(
    owner: SandboxOwner,
    workspace: string,
    policy: SandboxPolicy,
    egressSource: string | undefined,
  ): Promise<Docker.ContainerInspectInfo> {
    const name = this.containerName(owner);
    const labels = {
      [LABEL.sandbox]: '1',
      [LABEL.namespace]: this.o.namespace,
      [LABEL.tenant]: owner.tenantId,
      [LABEL.agent]: owner.agentId,
      [LABEL.session]: owner.sessionId,
      [LABEL.runner]: this.o.runnerId,
      [LABEL.policy]: policyDigest(policy),
    };
    try {
      await this.o.docker.createContainer(
        containerOptions(policy, { name, image: this.o.image, labels, workspaceSource: workspace, egressSource }),
      );
    } catch (error) {
      // 409: another runner created it (or a warm one was renamed to it) at the same moment; adopt that one.
      if (!isStatus(error, 409)) throw this.toolError(error);
    }
    const created = await this.find(owner);
    if (!created) throw new SandboxError('the sandbox container vanished right after it was created');
    return created;
  }

  /** Caps: containers this runner uses, and running sandboxes of the tenant (by name or, made earlier, by label). */
  private async checkCaps(owner: SandboxOwner) {
    if (this.live.size > this.o.maxPerRunner)
      throw new SandboxError(`this runner already runs ${this.o.maxPerRunner} sandboxes; try again later`);
    const prefix = `/clawfleet.${this.o.namespace || '_'}.${owner.tenantId}.`;
    const tenant = (await this.list({}, true)).filter(
      (c) => c.Labels[LABEL.tenant] === owner.tenantId || c.Names?.some((n) => n.startsWith(prefix)),
    );
    if (tenant.length >= this.o.maxPerTenant)
      throw new SandboxError(`tenant ${owner.tenantId} already has ${this.o.maxPerTenant} running sandboxes; try again later`);
  }

  private list(labels: Record<string, string>, runningOnly = false): Promise<Docker.ContainerInfo[]> {
    const all = { [LABEL.sandbox]: '1', [LABEL.namespace]: this.o.namespace, ...labels };
    return this.o.docker.listContainers({
      all: !runningOnly,
      filters: { label: Object.entries(all).map(([k, v]) => `${k}=${v}`) },
    });
  }

  private async stop(id: string) {
    await this.o.docker
      .getContainer(id)
      .stop({ t: 0 })
      .catch((error: unknown) => {
        if (!isStatus(error, 304) && !isStatus(error, 404)) this.o.log?.('stopping a sandbox failed', { id, error: String(error) });
      });
  }

  private async kill(id: string) {
    await this.o.docker
      .getContainer(id)
      .kill()
      .catch(() => this.stop(id));
  }

  private async remove(id: string, labels: Record<string, string> = {}) {
    await this.o.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((error: unknown) => {
        if (!isStatus(error, 404) && !isStatus(error, 409)) this.o.log?.('removing a sandbox failed', { id, error: String(error) });
      });
    // A warm container's own directory, unless a session claimed it (then it is that session's workspace).
    const poolId = labels[LABEL.pool];
    if (!poolId || !POOL_ID.test(poolId)) return;
    const claimed = await fs
      .lstat(poolClaim(this.o.workspaceRoot, this.o.namespace, poolId))
      .then(() => true, () => false);
    if (!claimed) await fs.rm(poolWorkspace(this.o.workspaceRoot, this.o.namespace, poolId), { recursive: true, force: true });
  }

  private toolError(error: unknown): Error {
    if (error instanceof SandboxError) return error;
    const e = error as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
    if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES')
      return new SandboxError('the sandbox engine (Docker) is not reachable');
    const detail = e.json?.message ?? e.message ?? String(error);
    return new SandboxError(`the sandbox engine refused: ${detail.slice(0, 300)}`);
  }
}
