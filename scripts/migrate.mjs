#!/usr/bin/env node
// `npm run migrate`: builds, then runs each app's apps/<app>/dist/migrate.js (where the app has one), in
// order, against DATABASE_URL (default postgres://postgres@127.0.0.1:5432/clawfleet). Stops at the first failure.
import fs from 'node:fs';
import path from 'node:path';
import { ensureServices } from './services.mjs';
import { installIfNeeded } from './install.mjs';
import {
  APPS,
  DEFAULT_DATABASE_URL,
  DEFAULT_NATS_URL,
  ROOT,
  build,
  loadDotEnv,
  localDatabaseName,
  localEnv,
  run,
  say,
} from './lib/common.mjs';

loadDotEnv();
const env = localEnv({ DATABASE_URL: DEFAULT_DATABASE_URL, NATS_URL: DEFAULT_NATS_URL, ...process.env });
const database = localDatabaseName(env.DATABASE_URL);

await installIfNeeded();
if (database) {
  // A local database: make sure PostgreSQL runs and the database exists. A remote one is the operator's.
  try {
    await ensureServices({ docker: false, nats: false, database });
  } catch (e) {
    say(`services are not available:\n${e.message}`);
    process.exit(1);
  }
}
await build();

let ran = 0;
for (const { name } of APPS) {
  const script = path.join('apps', name, 'dist', 'migrate.js');
  if (!fs.existsSync(path.join(ROOT, script))) continue;
  say(`migrating ${name} (${script})`);
  const code = await run('node', [script], { env });
  if (code !== 0) {
    say(`migration of ${name} failed (exit ${code}); later apps were not migrated`);
    process.exit(code);
  }
  ran++;
}
const redacted = env.DATABASE_URL.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
say(ran ? `${ran} app(s) migrated on ${redacted}` : 'no apps/*/dist/migrate.js found: nothing to migrate');
