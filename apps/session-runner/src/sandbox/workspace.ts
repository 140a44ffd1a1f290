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
