#!/usr/bin/env node
// `npm run admin -- <command>`: the common admin operations over the REST API (Node built-ins only).
//
//   npm run admin -- me
//   npm run admin -- keys list   --tenant acme [--limit 50]
//   npm run admin -- keys create --tenant acme --scope tenant:admin|tenant:read|channel:client --name NAME [--user ID] [--expires ISO]
//   npm run admin -- keys revoke --tenant acme --id KEY_ID
//   npm run admin -- platform-keys list | create --name NAME | revoke --id KEY_ID
//   npm run admin -- tenants create --id acme [--name NAME] | list | show --tenant acme
//   npm run admin -- agents create --tenant acme --id support --instructions TEXT [--name N] [--models openai:gpt-4o-mini,…]
//                                  [--allowed-models a,b] [--tools a,b] [--queue-mode M] [--max-rounds N] [--token-budget N] [--disabled]
//   npm run admin -- agents update --tenant acme --id support [the same fields] [--enabled true|false]   (a new version)
//   npm run admin -- agents show --tenant acme --id support [--version N] | list --tenant acme
//   npm run admin -- channels create --tenant acme --kind telegram [--name N] [--credentials-env VAR | --credentials-file PATH]
//   npm run admin -- groups create --tenant acme --channel http --chat ID [--thread ID] [--name N]
//   npm run admin -- bindings create --tenant acme --agent support (--group ID | --channel http --chat ID [--thread ID])
//                                    [--engage always|pattern|mention|mention-sticky] [--pattern RE2] [--sender all|known]
//                                    [--session shared|per-thread|per-user] [--ignored drop|accumulate]
//   npm run admin -- users create --tenant acme [--name N] [--identity channel:externalId] [--role owner|admin|member [--role-agent A]]
//   npm run admin -- sessions list --tenant acme [--agent A] [--status idle|queued|running|suspended]
//                                  [--channel http --chat ID] [--since ISO] [--before ISO] [--limit N] [--cursor C]
//   npm run admin -- sessions show|events|cancel --tenant acme --id SESSION_ID
//   npm run admin -- parked list --tenant acme | release --tenant acme --id SESSION_ID
//   npm run admin -- dlq list [--subject turn.requested.>] [--since ISO] [--limit N] | redrive --seq N | redrive --subject S
//   npm run admin -- pairings list --tenant acme [--status pending|approved|rejected]
//   npm run admin -- pairings approve|reject --tenant acme --id PAIRING_ID
//
// Credentials are never taken from the command line (other users of the machine see it): from an
// environment variable or a file. The API and key: ADMIN_API_URL (default http://127.0.0.1:$ADMIN_API_PORT
// or 8085) and ADMIN_API_KEY (default: the key `npm start` wrote to .clawfleet/admin-key). Prints a
// short summary, or the API's JSON with --json; exits 1 with the problem's detail when the API refuses.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: npm run admin -- [--json] <command>
  me
  keys list|create|revoke --tenant T …        platform-keys list|create|revoke …
  tenants create --id T [--name N] | list | show --tenant T
  agents create|update --tenant T --id A [--instructions TEXT] [--models provider:model,…] [--allowed-models …]
                [--tools …] [--queue-mode M] [--max-rounds N] [--token-budget N] [--name N] [--enabled true|false]
  agents show --tenant T --id A [--version N] | list --tenant T
  channels create --tenant T --kind K [--name N] [--credentials-env VAR | --credentials-file PATH]
  groups create --tenant T --channel C --chat ID [--thread ID] [--name N]
  bindings create --tenant T --agent A (--group ID | --channel C --chat ID [--thread ID]) [--engage MODE] [--pattern RE2]
                  [--sender all|known] [--session shared|per-thread|per-user] [--ignored drop|accumulate]
  users create --tenant T [--name N] [--identity channel:externalId] [--role owner|admin|member [--role-agent A]]
  sessions list --tenant T [--agent A] [--status S] [--channel C --chat ID] [--since ISO] [--before ISO]
  sessions show|events|cancel --tenant T --id ID
  parked list --tenant T | release --tenant T --id ID
  dlq list [--subject S] [--since ISO] | redrive --seq N | redrive --subject S [--since ISO]
  pairings list --tenant T [--status pending|approved|rejected] | approve|reject --tenant T --id ID`;

/** Flags that take no value. */
const SWITCHES = new Set(['json', 'disabled', 'help']);

export function parseArgs(argv) {
  const words = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      words.push(a);
      continue;
    }
    const name = a.slice(2);
    if (SWITCHES.has(name)) {
      flags[name] = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${a} needs a value`);
    flags[name] = value;
    i++;
  }
  return { words, flags };
}

class UsageError extends Error {}

const need = (flags, name) => {
  if (!flags[name]) throw new UsageError(`--${name} is required`);
  return encodeURIComponent(flags[name]);
};
const list = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const int = (flags, name) => {
  if (flags[name] === undefined) return undefined;
  const n = Number(flags[name]);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number`);
  return n;
};
const bool = (flags, name) => {
  if (flags[name] === undefined) return undefined;
  if (flags[name] !== 'true' && flags[name] !== 'false') throw new UsageError(`--${name} is true or false`);
  return flags[name] === 'true';
};
/** `?a=1&b=2` of the parameters that are set. */
const query = (params) => {
  const set = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return set.length ? `?${new URLSearchParams(set.map(([k, v]) => [k, String(v)]))}` : '';
};
const defined = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));

/** The agent configuration fields the flags name (an update replaces only these). */
function agentConfig(flags) {
  return defined({
    instructions: flags.instructions,
    models:
      flags.models === undefined
        ? undefined
        : list(flags.models).map((entry) => {
            const at = entry.indexOf(':');
            if (at < 1) throw new UsageError(`--models entries are provider:model, not ${entry}`);
            return { provider: entry.slice(0, at), model: entry.slice(at + 1) };
          }),
    allowedModels: flags['allowed-models'] === undefined ? undefined : list(flags['allowed-models']),
    toolsAllowed: flags.tools === undefined ? undefined : flags.tools === 'all' ? null : list(flags.tools),
    queueMode: flags['queue-mode'],
    maxRounds: int(flags, 'max-rounds'),
    tokenBudgetPerMonth: int(flags, 'token-budget'),
  });
}

function credentials(flags) {
  if (flags.credentials !== undefined)
    throw new UsageError(
      'credentials are never taken from the command line: use --credentials-env or --credentials-file',
    );
  if (flags['credentials-env'] !== undefined) {
    const value = process.env[flags['credentials-env']];
    if (!value) throw new UsageError(`the environment variable ${flags['credentials-env']} is empty`);
    return value;
  }
  if (flags['credentials-file'] !== undefined) return fs.readFileSync(flags['credentials-file'], 'utf8').trim();
  return undefined;
}

/**
 * The HTTP requests a command stands for: a list of { method, path, body?, ifMatchFrom? }, run in
 * order; a later one may use what an earlier answered (`use(previous) => request`).
 */
export function requestsOf({ words, flags }) {
  const [group, verb] = words;
  const expiresAt = flags.expires ? { expiresAt: flags.expires } : {};
  const one = (request) => [request];
  if (group === 'me' && !verb) return one({ method: 'GET', path: '/v1/me' });
  if (group === 'keys') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/keys`;
    if (verb === 'list') return one({ method: 'GET', path: `${base}?limit=${Number(flags.limit ?? 200)}` });
    if (verb === 'create')
      return one({
        method: 'POST',
        path: base,
        body: { scope: flags.scope, name: flags.name, ...(flags.user && { userId: flags.user }), ...expiresAt },
      });
    if (verb === 'revoke') return one({ method: 'DELETE', path: `${base}/${need(flags, 'id')}` });
  }
  if (group === 'platform-keys') {
    if (verb === 'list') return one({ method: 'GET', path: `/v1/platform/keys?limit=${Number(flags.limit ?? 200)}` });
    if (verb === 'create')
      return one({ method: 'POST', path: '/v1/platform/keys', body: { name: flags.name, ...expiresAt } });
    if (verb === 'revoke') return one({ method: 'DELETE', path: `/v1/platform/keys/${need(flags, 'id')}` });
  }
  if (group === 'tenants') {
    if (verb === 'create')
      return one({
        method: 'POST',
        path: '/v1/tenants',
        body: defined({ id: flags.id ?? flags.tenant, name: flags.name }),
      });
    if (verb === 'list') return one({ method: 'GET', path: `/v1/tenants?limit=${Number(flags.limit ?? 200)}` });
    if (verb === 'show') return one({ method: 'GET', path: `/v1/tenants/${need(flags, 'tenant')}` });
  }
  if (group === 'agents') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/agents`;
    if (verb === 'list') return one({ method: 'GET', path: `${base}?limit=${Number(flags.limit ?? 200)}` });
    if (verb === 'show')
      return one({
        method: 'GET',
        path: `${base}/${need(flags, 'id')}${flags.version ? `/versions/${encodeURIComponent(flags.version)}` : ''}`,
      });
    if (verb === 'create')
      return one({
        method: 'POST',
        path: base,
        body: defined({
          id: flags.id,
          name: flags.name,
          enabled: flags.disabled ? false : bool(flags, 'enabled'),
          config: agentConfig(flags),
        }),
      });
    if (verb === 'update') {
      const config = agentConfig(flags);
      const body = defined({
        name: flags.name,
        enabled: flags.disabled ? false : bool(flags, 'enabled'),
        config: Object.keys(config).length ? config : undefined,
      });
      if (Object.keys(body).length === 0) throw new UsageError('agents update: name at least one field to change');
      const url = `${base}/${need(flags, 'id')}`;
      // Read, then change what was read: a change made by someone else in between is refused (412).
      return [
        { method: 'GET', path: url },
        { method: 'PATCH', path: url, body, ifMatchFrom: 0 },
      ];
    }
  }
  if (group === 'channels' && verb === 'create')
    return one({
      method: 'POST',
      path: `/v1/tenants/${need(flags, 'tenant')}/channels`,
      body: defined({ kind: flags.kind, name: flags.name, credentials: credentials(flags) }),
    });
  const groupBody = () =>
    defined({ channel: flags.channel, chatId: flags.chat, threadId: flags.thread, name: flags.name });
  if (group === 'groups' && verb === 'create')
    return one({ method: 'POST', path: `/v1/tenants/${need(flags, 'tenant')}/groups`, body: groupBody() });
  if (group === 'bindings' && verb === 'create') {
    const tenant = need(flags, 'tenant');
    const binding = (groupId) =>
      defined({
        groupId,
        agentId: flags.agent,
        engageMode: flags.engage ?? (flags.pattern ? 'pattern' : 'always'),
        pattern: flags.pattern,
        senderScope: flags.sender,
        sessionScope: flags.session,
        ignoredPolicy: flags.ignored,
      });
    const bind = (groupId) => ({ method: 'POST', path: `/v1/tenants/${tenant}/bindings`, body: binding(groupId) });
    if (flags.group) return one(bind(flags.group));
    if (!flags.channel || !flags.chat) throw new UsageError('--group, or --channel and --chat, is required');
    return withResult(
      [{ method: 'POST', path: `/v1/tenants/${tenant}/groups`, body: groupBody() }, { use: ([g]) => bind(g.id) }],
      ([g, b]) => ({ ...b, group: g }),
    );
  }
  if (group === 'users' && verb === 'create') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/users`;
    const steps = [{ method: 'POST', path: base, body: defined({ displayName: flags.name }) }];
    if (flags.identity) {
      const at = flags.identity.indexOf(':');
      if (at < 1) throw new UsageError('--identity is channel:externalId');
      const identity = { channel: flags.identity.slice(0, at), externalId: flags.identity.slice(at + 1) };
      steps.push({ use: ([u]) => ({ method: 'POST', path: `${base}/${u.id}/identities`, body: identity }) });
    }
    if (flags.role)
      steps.push({
        use: ([u]) => ({
          method: 'PUT',
          path: `${base}/${u.id}/roles`,
          body: defined({ role: flags.role, agentId: flags['role-agent'] }),
        }),
      });
    return withResult(steps, ([user, ...added]) => ({
      ...user,
      identities: added.filter((a) => a.externalId !== undefined),
      roles: added.filter((a) => a.role !== undefined),
    }));
  }
  if (group === 'sessions') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/sessions`;
    if (verb === 'list')
      return one({
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
      });
    if (verb === 'show') return one({ method: 'GET', path: `${base}/${need(flags, 'id')}` });
    if (verb === 'events')
      return one({
        method: 'GET',
        path: `${base}/${need(flags, 'id')}/events${query({ limit: flags.limit ?? 200, cursor: flags.cursor })}`,
      });
    if (verb === 'cancel') return one({ method: 'POST', path: `${base}/${need(flags, 'id')}/cancel` });
  }
  if (group === 'parked') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/parked-sessions`;
    if (verb === 'list')
      return one({ method: 'GET', path: `${base}${query({ limit: flags.limit ?? 200, cursor: flags.cursor })}` });
    if (verb === 'release') return one({ method: 'POST', path: `${base}/${need(flags, 'id')}/release` });
  }
  if (group === 'dlq') {
    if (verb === 'list')
      return one({
        method: 'GET',
        path: `/v1/platform/dead-letters${query({ subject: flags.subject, since: flags.since, limit: flags.limit ?? 200, cursor: flags.cursor })}`,
      });
    if (verb === 'redrive' && flags.seq)
      return one({ method: 'POST', path: `/v1/platform/dead-letters/${need(flags, 'seq')}/redrive` });
    if (verb === 'redrive' && flags.subject)
      return one({
        method: 'POST',
        path: '/v1/platform/dead-letters/redrive',
        body: { subject: flags.subject, ...(flags.since && { since: flags.since }) },
      });
    if (verb === 'redrive') throw new UsageError('--seq or --subject is required (--subject ">" for all)');
  }
  if (group === 'pairings') {
    const base = `/v1/tenants/${need(flags, 'tenant')}/pairings`;
    const status = flags.status ? `&status=${encodeURIComponent(flags.status)}` : '';
    if (verb === 'list') return one({ method: 'GET', path: `${base}?limit=${Number(flags.limit ?? 200)}${status}` });
    if (verb === 'approve' || verb === 'reject')
      return one({ method: 'POST', path: `${base}/${need(flags, 'id')}/${verb}` });
  }
  throw new UsageError(`unknown command: ${words.join(' ') || '(none)'}`);
}

/** Steps whose answers make the command's answer with `combine` (default: the last one). */
function withResult(steps, combine) {
  return Object.assign(steps, { combine });
}

/** The old one-request form, kept for callers of this module. */
export const requestOf = (args) => requestsOf(args)[0];

function apiKey() {
  if (process.env.ADMIN_API_KEY) return process.env.ADMIN_API_KEY;
  const file = path.join(ROOT, '.clawfleet', 'admin-key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  throw new UsageError('no key: set ADMIN_API_KEY, or run `npm start` once (it writes .clawfleet/admin-key)');
}

class ApiError extends Error {}

async function send(base, request, etag) {
  const res = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${apiKey()}`,
      ...(request.body && { 'content-type': 'application/json' }),
      ...(etag && { 'if-match': etag }),
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
    const fields = Array.isArray(body?.errors)
      ? ` (${body.errors.map((e) => `${e.path}: ${e.message}`).join('; ')})`
      : '';
    throw new ApiError(`${res.status} ${body?.title ?? ''}: ${body?.detail ?? text}${fields}`);
  }
  return { body, etag: res.headers.get('etag') ?? undefined };
}

/** A line or a few for a person; --json prints the API's own answer. */
export function summary(body) {
  if (body && Array.isArray(body.items))
    return body.items.length === 0 ? '(none)' : body.items.map((item) => summary(item)).join('\n');
  if (!body || typeof body !== 'object') return String(body);
  const pick = [
    'id',
    'agentId',
    'version',
    'kind',
    'name',
    'displayName',
    'scope',
    'engageMode',
    'groupId',
    'enabled',
    'senderId',
    'status',
    'key',
  ];
  const parts = pick.filter((k) => body[k] !== undefined && body[k] !== '').map((k) => `${k}=${body[k]}`);
  return parts.join(' ') || JSON.stringify(body);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const steps = requestsOf(args);
  const base = process.env.ADMIN_API_URL ?? `http://127.0.0.1:${process.env.ADMIN_API_PORT ?? 8085}`;
  const answers = [];
  for (const step of steps) {
    const request = step.use ? step.use(answers.map((a) => a.body)) : step;
    answers.push(
      await send(base, request, request.ifMatchFrom === undefined ? undefined : answers[request.ifMatchFrom].etag),
    );
  }
  const bodies = answers.map((a) => a.body);
  const result = steps.combine ? steps.combine(bodies) : bodies.at(-1);
  process.stdout.write(args.flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${summary(result)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  main().catch((e) => {
    process.stderr.write(e instanceof UsageError ? `${e.message}\n${USAGE}\n` : `${e.message}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
