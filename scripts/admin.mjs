#!/usr/bin/env node
// `npm run admin -- <command>`: the common admin operations over the REST API (Node built-ins only).
//
//   npm run admin -- me
//   npm run admin -- keys list   --tenant acme [--limit 50]
//   npm run admin -- keys create --tenant acme --scope tenant:admin|tenant:read|channel:client --name NAME [--user ID] [--expires ISO]
//   npm run admin -- keys revoke --tenant acme --id KEY_ID
//   npm run admin -- platform-keys list | create --name NAME | revoke --id KEY_ID
//   npm run admin -- sessions list --tenant acme [--agent A] [--status idle|queued|running|suspended]
//                                  [--channel http --chat ID] [--since ISO] [--before ISO] [--limit N] [--cursor C]
//   npm run admin -- sessions show|events|cancel --tenant acme --id SESSION_ID
//   npm run admin -- parked list --tenant acme | release --tenant acme --id SESSION_ID
//   npm run admin -- dlq list [--subject turn.requested.>] [--since ISO] [--limit N] | redrive --seq N | redrive --subject S
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
       npm run admin -- sessions list --tenant T [--agent A] [--status S] [--channel C --chat ID] [--since ISO] [--before ISO]
       npm run admin -- sessions show|events|cancel --tenant T --id ID
       npm run admin -- parked list --tenant T | release --tenant T --id ID
       npm run admin -- dlq list [--subject S] [--since ISO] | redrive --seq N | redrive --subject S [--since ISO]`;

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

/** `?a=1&b=2` of the parameters that are set. */
const query = (params) => {
  const set = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return set.length ? `?${new URLSearchParams(set.map(([k, v]) => [k, String(v)]))}` : '';
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
  if (group === 'sessions') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/sessions`;
    if (verb === 'list')
      return {
        method: 'GET',
        path: `${base}${query({
          agentId: flags.agent,
          status: flags.status,
          channel: flags.channel,
          chatId: flags.chat,
          updatedSince: flags.since,
          updatedBefore: flags.before,
          limit: flags.limit ?? 50,
          cursor: flags.cursor,
        })}`,
      };
    if (verb === 'show') return { method: 'GET', path: `${base}/${need(flags, 'id')}` };
    if (verb === 'events')
      return { method: 'GET', path: `${base}/${need(flags, 'id')}/events${query({ limit: flags.limit ?? 200, cursor: flags.cursor })}` };
    if (verb === 'cancel') return { method: 'POST', path: `${base}/${need(flags, 'id')}/cancel` };
  }
  if (group === 'parked') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/parked-sessions`;
    if (verb === 'list') return { method: 'GET', path: `${base}${query({ limit: flags.limit ?? 200, cursor: flags.cursor })}` };
    if (verb === 'release') return { method: 'POST', path: `${base}/${need(flags, 'id')}/release` };
  }
  if (group === 'dlq') {
    if (verb === 'list')
      return {
        method: 'GET',
        path: `/v1/platform/dead-letters${query({ subject: flags.subject, since: flags.since, limit: flags.limit ?? 200, cursor: flags.cursor })}`,
      };
    if (verb === 'redrive' && flags.seq) return { method: 'POST', path: `/v1/platform/dead-letters/${need(flags, 'seq')}/redrive` };
    if (verb === 'redrive' && flags.subject)
      return {
        method: 'POST',
        path: '/v1/platform/dead-letters/redrive',
        body: { subject: flags.subject, ...(flags.since && { since: flags.since }) },
      };
    if (verb === 'redrive') throw new UsageError('--seq or --subject is required (--subject ">" for all)');
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
