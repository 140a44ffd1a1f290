#!/usr/bin/env node
// Writes docs/events/<type>.v<version>.json, the JSON Schema of every event envelope on the bus,
// generated from libs/contracts with zod's z.toJSONSchema. `--check` writes nothing and exits 1
// when a file is missing, stale or left over (CI). libs/contracts is built first (incrementally)
// so the schemas never come from a stale dist; `--no-build` skips that.
//
// libs/contracts/src/json-schema.unit.spec.ts renders the same way from the sources.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'docs', 'events');
const args = new Set(process.argv.slice(2));
const check = args.has('--check');

if (!args.has('--no-build')) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-b', join(root, 'libs', 'contracts', 'tsconfig.lib.json')], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('export-event-schemas: building libs/contracts failed');
    process.exit(2);
  }
}

const require = createRequire(import.meta.url);
const { z } = require('zod');
const { Events } = require(join(root, 'libs', 'contracts', 'dist', 'index.js'));

/** File name → content, for every event definition. */
const expected = new Map(
  Object.values(Events).map((def) => [
    `${def.type}.v${def.schemaVersion}.json`,
    `${JSON.stringify(z.toJSONSchema(def.envelope), null, 2)}\n`,
  ]),
);

const present = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.json')) : [];
const stale = [...expected].filter(([file, content]) => {
  const path = join(outDir, file);
  return !existsSync(path) || readFileSync(path, 'utf8') !== content;
});
const leftOver = present.filter((file) => !expected.has(file));

if (check) {
  if (stale.length === 0 && leftOver.length === 0) {
    console.log(`docs/events: ${expected.size} event schemas up to date`);
    process.exit(0);
  }
  for (const [file] of stale) console.error(`stale or missing: docs/events/${file}`);
  for (const file of leftOver) console.error(`no such event any more: docs/events/${file}`);
  console.error('run `npm run events:schemas` and commit docs/events');
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
for (const [file, content] of stale) writeFileSync(join(outDir, file), content);
for (const file of leftOver) rmSync(join(outDir, file));
console.log(`docs/events: ${stale.length} written, ${leftOver.length} removed, ${expected.size} in all`);
