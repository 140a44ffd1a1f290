import fs from 'node:fs/promises';
import path from 'node:path';
import { SandboxError, type SandboxOwner } from './sandbox.port';

/** Ids that become names on the host (directories, container names, labels): nothing else passes. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function checkOwner(owner: SandboxOwner): void {
  // The agent id is only a label's value; these two name directories and containers.
  for (const [what, id] of [['tenant', owner.tenantId], ['session', owner.sessionId]] as const) {
    if (typeof id !== 'string' || !SAFE_ID.test(id)) throw new SandboxError(`invalid ${what} for a sandbox: "${String(id).slice(0, 40)}"`);
  }
}

/** The host directory of a session's workspace: <root>/<namespace>/<tenant>/<session>. */
export function workspacePath(root: string, namespace: string, owner: SandboxOwner): string {
  checkOwner(owner);
  return path.join(root, namespace || '_', owner.tenantId, owner.sessionId);
}

/** Directories of warm-pool containers, <root>/<namespace>/_ws/<id>: a claimed one stays the session's workspace. */
export function poolWorkspace(root: string, namespace: string, poolId: string): string {
  return path.join(root, namespace || '_', '_ws', poolId);
}

/** A claim of a pool directory, <root>/<namespace>/_claims/<id>: while it exists the directory is a session's. */
export function poolClaim(root: string, namespace: string, poolId: string): string {
  return path.join(root, namespace || '_', '_claims', poolId);
}

/**
 * The directory a session's workspace path stands for, as the engine mounts it: the path itself, or
 * for a session that took a warm container, the pool directory its link points to (resolved as a
 * string, the way the container's mount source was written; never through the host's other links).
 * Undefined when the session has no workspace yet.
 */
export async function workspaceSource(link: string): Promise<string | undefined> {
  let stat;
  try {
    stat = await fs.lstat(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!stat.isSymbolicLink()) return link;
  return path.resolve(path.dirname(link), await fs.readlink(link));
}

/**
 * Makes the session's workspace directory, owned by the sandbox user. Parents are traversable but
 * not listable, so a session never learns the names of other sessions' directories.
 */
export async function ensureWorkspace(dir: string, uid: number, gid: number): Promise<void> {
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true, mode: 0o711 });
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const stat = await fs.lstat(dir);
    // A link to a claimed pool directory (see DockerSandboxes.claim) is the session's workspace too.
    if (stat.isSymbolicLink() && (await fs.stat(dir).catch(() => null))?.isDirectory()) return;
    if (!stat.isDirectory()) throw new SandboxError('the workspace is not a directory');
    return;
  }
  try {
    await fs.chown(dir, uid, gid);
  } catch {
    // Not root: the sandbox user cannot own it; it may still write if it is this process's user.
    await fs.chmod(dir, 0o777);
  }
}
