// Type-checks every project with its specs (tsconfig.json includes them; the build's tsconfig.lib.json does not).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules/.bin/tsc');
let failed = false;
for (const group of ['libs', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const project = join(root, group, name, 'tsconfig.json');
    if (!existsSync(project)) continue;
    try {
      execFileSync(tsc, ['-p', project], { stdio: 'inherit' });
    } catch {
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
