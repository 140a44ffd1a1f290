#!/usr/bin/env node
// `npm run admin -- <command>`: the common admin operations over the REST API (Node built-ins only).
//
//   npm run admin -- me
//   npm run admin -- keys list   --tenant acme [--limit 50]
//   npm run admin -- keys create --tenant acme --scope tenant:admin|tenant:read|channel:client --name NAME [--user ID] [--expires ISO]
//   npm run admin -- keys revoke --tenant acme --id KEY_ID
//   npm run admin -- platform-keys list | create --name NAME | revoke --id KEY_ID
//   npm run admin -- pairings list --tenant acme [--status pending|approved|rejected]
//   npm run admin -- pairings approve|reject --tenant acme --id PAIRING_ID
//
// The API and key: ADMIN_API_URL (default http://127.0.0.1:$ADMIN_API_PORT or 8085) and ADMIN_API_KEY
// (default: the key `npm start` wrote to .clawfleet/admin-key). Prints JSON; exits 1 with the
// problem's detail when the API refuses.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: npm run admin -- me
       npm run admin -- keys list --tenant T [--limit N]
       npm run admin -- keys create --tenant T --scope S --name N [--user U] [--expires ISO]
       npm run admin -- keys revoke --tenant T --id ID
       npm run admin -- platform-keys list | create --name N [--expires ISO] | revoke --id ID
       npm run admin -- pairings list --tenant T [--status S] | approve --tenant T --id ID | reject --tenant T --id ID`;

export function parseArgs(argv) {
  const words = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      words.push(a);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${a} needs a value`);
    flags[a.slice(2)] = value;
    i++;
  }
  return { words, flags };
}

class UsageError extends Error {}

const need = (flags, name) => {
  if (!flags[name]) throw new UsageError(`--${name} is required`);
  return encodeURIComponent(flags[name]);
};

/** The HTTP request a command stands for: { method, path, body? }. */
export function requestOf({ words, flags }) {
  const [group, verb] = words;
  const expiresAt = flags.expires ? { expiresAt: flags.expires } : {};
  if (group === 'me' && !verb) return { method: 'GET', path: '/v1/me' };
  if (group === 'keys') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/keys`;
    if (verb === 'list') return { method: 'GET', path: `${base}?limit=${Number(flags.limit ?? 200)}` };
    if (verb === 'create')
      return {
        method: 'POST',
        path: base,
        body: { scope: flags.scope, name: flags.name, ...(flags.user && { userId: flags.user }), ...expiresAt },
      };
    if (verb === 'revoke') return { method: 'DELETE', path: `${base}/${need(flags, 'id')}` };
  }
  if (group === 'platform-keys') {
    if (verb === 'list') return { method: 'GET', path: `/v1/platform/keys?limit=${Number(flags.limit ?? 200)}` };
    if (verb === 'create')
      return { method: 'POST', path: '/v1/platform/keys', body: { name: flags.name, ...expiresAt } };
    if (verb === 'revoke') return { method: 'DELETE', path: `/v1/platform/keys/${need(flags, 'id')}` };
  }
  if (group === 'pairings') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/pairings`;
    const status = flags.status ? `&status=${encodeURIComponent(flags.status)}` : '';
    if (verb === 'list') return { method: 'GET', path: `${base}?limit=${Number(flags.limit ?? 200)}${status}` };
    if (verb === 'approve' || verb === 'reject')
      return { method: 'POST', path: `${base}/${need(flags, 'id')}/${verb}` };
  }
  throw new UsageError(`unknown command: ${words.join(' ') || '(none)'}`);
}

function apiKey() {
  if (process.env.ADMIN_API_KEY) return process.env.ADMIN_API_KEY;
  const file = path.join(ROOT, '.clawfleet', 'admin-key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  throw new UsageError('no key: set ADMIN_API_KEY, or run `npm start` once (it writes .clawfleet/admin-key)');
}

async function main() {
  const request = requestOf(parseArgs(process.argv.slice(2)));
  const base = process.env.ADMIN_API_URL ?? `http://127.0.0.1:${process.env.ADMIN_API_PORT ?? 8085}`;
  const res = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${apiKey()}`,
      ...(request.body && { 'content-type': 'application/json' }),
    },
    body: request.body && JSON.stringify(request.body),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (!res.ok) {
    process.stderr.write(`${res.status} ${body?.title ?? ''}: ${body?.detail ?? text}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  main().catch((e) => {
    process.stderr.write(e instanceof UsageError ? `${e.message}\n${USAGE}\n` : `${e.message}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
