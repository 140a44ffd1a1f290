// What the sandbox figures of `npm run bench` need: the Docker engine, the sandbox image, a workspace
// root of their own, and a cleanup that removes every container of the bench's namespace.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../lib/common.mjs';

const require = createRequire(import.meta.url);
const IMAGE = 'clawfleet-sandbox:latest';

/**
 * { skipped } when the engine or the image is missing; otherwise { env } for the platform (one warm
 * container, its own workspace root), `attach(namespace)` once the platform's namespace is known, and
 * `context` ({ docker, namespace }) for the scenario.
 */
export async function sandboxBench(libs, cleanup) {
  if (process.env.BENCH_SANDBOX === '0') return { skipped: 'BENCH_SANDBOX=0' };
  let docker;
  try {
    const Docker = require(require.resolve('dockerode', { paths: [ROOT] }));
    docker = new Docker();
    await docker.ping();
  } catch (error) {
    return { skipped: `the Docker engine is not reachable (${error?.code ?? error?.message ?? error})` };
  }
  try {
    await docker.getImage(IMAGE).inspect();
  } catch {
    return { skipped: `the sandbox image ${IMAGE} is missing (build it: node scripts/sandbox-image.mjs)` };
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clawfleet-bench-ws-'));
  const context = { docker, namespace: undefined };
  cleanup.add('remove the sandboxes and workspaces', async () => {
    if (context.namespace) {
      const mine = await docker.listContainers({ all: true, filters: { label: [`clawfleet.namespace=${context.namespace}`] } });
      for (const c of mine) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
  return {
    env: { SANDBOX_WORKSPACE_ROOT: root, SANDBOX_WARM_POOL: '1' },
    attach: (namespace) => (context.namespace = namespace),
    context,
  };
}
