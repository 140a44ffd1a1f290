#!/usr/bin/env node
// `npm test [-- <jest args>]`: install if needed, make sure NATS, PostgreSQL and Docker are up and the
// sandbox image exists (built once per machine), build (e2e specs start the apps from apps/*/dist), run jest.
import { ensureServices } from './services.mjs';
import { ensureSandboxImage } from './sandbox-image.mjs';
import { installIfNeeded } from './install.mjs';
import { build, run, say } from './lib/common.mjs';

const t0 = Date.now();
const phase = (name) => say(`${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

await installIfNeeded();
try {
  await ensureServices({ docker: true });
  await ensureSandboxImage();
} catch (e) {
  say(`services are not available:\n${e.message}`);
  process.exit(1);
}
phase('services ready; building');
await build();
phase('built; running jest');
const code = await run('jest', process.argv.slice(2));
phase(`jest exited with ${code}`);
process.exit(code);
