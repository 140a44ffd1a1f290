/*
 * The provisioning routes' rows of the admin API's authorization matrix (admin-api.e2e.spec.ts): one
 * row per route, with what each valid key must get. Routes that create or delete get a fresh
 * resource before each call (`prepare`), so every key meets the same state.
 */

export type MatrixWho = 'readOnly' | 'channelClient' | 'otherTenantAdmin' | 'right' | 'platform';

export interface MatrixRoute {
  readonly method: string;
  /** The path as the OpenAPI document names it. */
  readonly doc: string;
  readonly url: () => string;
  readonly body?: unknown;
  readonly headers?: () => Record<string, string>;
  /** Runs before each key's call. */
  readonly prepare?: () => Promise<void>;
  readonly expect: Partial<Record<MatrixWho, number>>;
}

export type MatrixCall = (
  method: string,
  url: string,
  key?: string | null,
  body?: unknown,
  raw?: string,
  headers?: Record<string, string>,
) => Promise<{ status: number; json: any; headers: Headers }>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T = '/v1/tenants/{tenantId}';
const read = { readOnly: 200, channelClient: 404, otherTenantAdmin: 404, right: 200, platform: 200 };
const write = (status: number) => ({
  readOnly: 403,
  channelClient: 404,
  otherTenantAdmin: 404,
  right: status,
  platform: status,
});
const platformOnly = (status: number) => ({
  readOnly: 403,
  channelClient: 403,
  otherTenantAdmin: 403,
  right: 403,
  platform: status,
});

/**
 * The rows, against tenant `tenant` (whose admin key is the matrix's "right" one); `admin` makes the
 * fixtures. Call `setup()` once before the rows run.
 */
export function provisioningMatrix(call: MatrixCall, admin: string, tenant: string) {
  let n = 0;
  const unique = (what: string) => `${what}-${Date.now().toString(36)}-${++n}`;
  const base = `/v1/tenants/${tenant}`;
  const ok = async (method: string, url: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await call(method, url, admin, body, undefined, headers);
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.json)}`);
    return res;
  };
  const fixture = {
    agent: 'matrix-agent',
    channelId: '',
    groupId: '',
    bindingId: '',
    userId: '',
  };
  // What `prepare` made for the next call.
  const fresh = { id: '', etag: '', externalId: '' };

  const newAgent = async () => {
    fresh.id = unique('agent');
    const res = await ok('POST', `${base}/agents`, { id: fresh.id, config: { instructions: 'x' } });
    fresh.etag = res.headers.get('etag')!;
  };
  const newUser = async () => {
    fresh.id = (await ok('POST', `${base}/users`, { displayName: 'u' })).json.id;
  };

  async function setup(): Promise<void> {
    await ok('POST', '/v1/tenants', { id: tenant, name: 'Matrix' });
    await ok('POST', `${base}/agents`, { id: fixture.agent, config: { instructions: 'You are tested.' } });
    await ok('POST', `${base}/agents`, { id: 'matrix-peer', config: { instructions: 'A peer.' } });
    await ok('POST', `${base}/agents/${fixture.agent}/relationships`, { toAgentId: 'matrix-peer' });
    fixture.channelId = (await ok('POST', `${base}/channels`, { kind: 'telegram', name: 'bot' })).json.id;
    fixture.groupId = (await ok('POST', `${base}/groups`, { channel: 'http', chatId: 'matrix' })).json.id;
    fixture.bindingId = (
      await ok('POST', `${base}/bindings`, { groupId: fixture.groupId, agentId: fixture.agent, engageMode: 'always' })
    ).json.id;
    fixture.userId = (await ok('POST', `${base}/users`, { displayName: 'Mat' })).json.id;
  }

  const routes: MatrixRoute[] = [
    // tenants
    {
      method: 'POST',
      doc: '/v1/tenants',
      url: () => '/v1/tenants',
      prepare: async () => void (fresh.id = unique('t')),
      get body() {
        return { id: fresh.id };
      },
      expect: platformOnly(201),
    },
    { method: 'GET', doc: '/v1/tenants', url: () => '/v1/tenants', expect: platformOnly(200) },
    { method: 'GET', doc: T, url: () => base, expect: read },
    { method: 'PATCH', doc: T, url: () => base, body: { name: 'Matrix' }, expect: write(200) },
    // agents
    {
      method: 'POST',
      doc: `${T}/agents`,
      url: () => `${base}/agents`,
      prepare: async () => void (fresh.id = unique('a')),
      get body() {
        return { id: fresh.id, config: { instructions: 'new' } };
      },
      expect: write(201),
    },
    { method: 'GET', doc: `${T}/agents`, url: () => `${base}/agents`, expect: read },
    { method: 'GET', doc: `${T}/agents/{agentId}`, url: () => `${base}/agents/${fixture.agent}`, expect: read },
    {
      method: 'PATCH',
      doc: `${T}/agents/{agentId}`,
      url: () => `${base}/agents/${fresh.id}`,
      prepare: newAgent,
      body: { config: { maxRounds: 3 } },
      headers: () => ({ 'if-match': fresh.etag }),
      expect: write(200),
    },
    {
      method: 'DELETE',
      doc: `${T}/agents/{agentId}`,
      url: () => `${base}/agents/${fresh.id}`,
      prepare: newAgent,
      headers: () => ({ 'if-match': fresh.etag }),
      expect: write(200),
    },
    {
      method: 'GET',
      doc: `${T}/agents/{agentId}/versions`,
      url: () => `${base}/agents/${fixture.agent}/versions`,
      expect: read,
    },
    {
      method: 'GET',
      doc: `${T}/agents/{agentId}/versions/{version}`,
      url: () => `${base}/agents/${fixture.agent}/versions/1`,
      expect: read,
    },
    {
      method: 'GET',
      doc: `${T}/agents/{agentId}/relationships`,
      url: () => `${base}/agents/${fixture.agent}/relationships`,
      expect: read,
    },
    {
      method: 'POST',
      doc: `${T}/agents/{agentId}/relationships`,
      url: () => `${base}/agents/${fixture.agent}/relationships`,
      prepare: newAgent,
      get body() {
        return { toAgentId: fresh.id };
      },
      expect: write(201),
    },
    {
      method: 'DELETE',
      doc: `${T}/agents/{agentId}/relationships/{toAgentId}`,
      url: () => `${base}/agents/${fixture.agent}/relationships/${fresh.id}`,
      prepare: async () => {
        await newAgent();
        await ok('POST', `${base}/agents/${fixture.agent}/relationships`, { toAgentId: fresh.id });
      },
      expect: write(200),
    },
    // channels
    {
      method: 'POST',
      doc: `${T}/channels`,
      url: () => `${base}/channels`,
      body: { kind: 'slack', name: 'ws' },
      expect: write(201),
    },
    { method: 'GET', doc: `${T}/channels`, url: () => `${base}/channels`, expect: read },
    {
      method: 'GET',
      doc: `${T}/channels/{channelId}`,
      url: () => `${base}/channels/${fixture.channelId}`,
      expect: read,
    },
    {
      method: 'PATCH',
      doc: `${T}/channels/{channelId}`,
      url: () => `${base}/channels/${fixture.channelId}`,
      body: { name: 'renamed' },
      expect: write(200),
    },
    {
      method: 'PUT',
      doc: `${T}/channels/{channelId}/credentials`,
      url: () => `${base}/channels/${fixture.channelId}/credentials`,
      body: { credentials: 'matrix-token' },
      expect: write(200),
    },
    {
      method: 'DELETE',
      doc: `${T}/channels/{channelId}`,
      url: () => `${base}/channels/${fresh.id}`,
      prepare: async () => void (fresh.id = (await ok('POST', `${base}/channels`, { kind: 'slack' })).json.id),
      expect: write(200),
    },
    // messaging groups
    {
      method: 'POST',
      doc: `${T}/groups`,
      url: () => `${base}/groups`,
      prepare: async () => void (fresh.id = unique('chat')),
      get body() {
        return { channel: 'http', chatId: fresh.id };
      },
      expect: write(201),
    },
    { method: 'GET', doc: `${T}/groups`, url: () => `${base}/groups`, expect: read },
    { method: 'GET', doc: `${T}/groups/{groupId}`, url: () => `${base}/groups/${fixture.groupId}`, expect: read },
    {
      method: 'PATCH',
      doc: `${T}/groups/{groupId}`,
      url: () => `${base}/groups/${fixture.groupId}`,
      body: { name: 'matrix chat' },
      expect: write(200),
    },
    {
      method: 'DELETE',
      doc: `${T}/groups/{groupId}`,
      url: () => `${base}/groups/${fresh.id}`,
      prepare: async () =>
        void (fresh.id = (await ok('POST', `${base}/groups`, { channel: 'http', chatId: unique('chat') })).json.id),
      expect: write(200),
    },
    // bindings
    {
      method: 'POST',
      doc: `${T}/bindings`,
      url: () => `${base}/bindings`,
      prepare: async () =>
        void (fresh.id = (await ok('POST', `${base}/groups`, { channel: 'http', chatId: unique('chat') })).json.id),
      get body() {
        return { groupId: fresh.id, agentId: fixture.agent, engageMode: 'pattern', pattern: '^help\\b' };
      },
      expect: write(201),
    },
    { method: 'GET', doc: `${T}/bindings`, url: () => `${base}/bindings`, expect: read },
    {
      method: 'GET',
      doc: `${T}/bindings/{bindingId}`,
      url: () => `${base}/bindings/${fixture.bindingId}`,
      expect: read,
    },
    {
      method: 'PATCH',
      doc: `${T}/bindings/{bindingId}`,
      url: () => `${base}/bindings/${fixture.bindingId}`,
      body: { senderScope: 'known' },
      expect: write(200),
    },
    {
      method: 'DELETE',
      doc: `${T}/bindings/{bindingId}`,
      url: () => `${base}/bindings/${fresh.id}`,
      prepare: async () => {
        const group = (await ok('POST', `${base}/groups`, { channel: 'http', chatId: unique('chat') })).json.id;
        fresh.id = (
          await ok('POST', `${base}/bindings`, { groupId: group, agentId: fixture.agent, engageMode: 'mention' })
        ).json.id;
      },
      expect: write(200),
    },
    // users, identities, roles
    { method: 'POST', doc: `${T}/users`, url: () => `${base}/users`, body: { displayName: 'New' }, expect: write(201) },
    { method: 'GET', doc: `${T}/users`, url: () => `${base}/users`, expect: read },
    { method: 'GET', doc: `${T}/users/{userId}`, url: () => `${base}/users/${fixture.userId}`, expect: read },
    {
      method: 'PATCH',
      doc: `${T}/users/{userId}`,
      url: () => `${base}/users/${fixture.userId}`,
      body: { displayName: 'Matt' },
      expect: write(200),
    },
    {
      method: 'DELETE',
      doc: `${T}/users/{userId}`,
      url: () => `${base}/users/${fresh.id}`,
      prepare: newUser,
      expect: write(200),
    },
    {
      method: 'POST',
      doc: `${T}/users/{userId}/identities`,
      url: () => `${base}/users/${fixture.userId}/identities`,
      prepare: async () => void (fresh.externalId = unique('sender')),
      get body() {
        return { channel: 'http', externalId: fresh.externalId };
      },
      expect: write(201),
    },
    {
      method: 'DELETE',
      doc: `${T}/users/{userId}/identities/{channel}/{externalId}`,
      url: () => `${base}/users/${fixture.userId}/identities/http/${fresh.externalId}`,
      prepare: async () => {
        fresh.externalId = unique('sender');
        await ok('POST', `${base}/users/${fixture.userId}/identities`, {
          channel: 'http',
          externalId: fresh.externalId,
        });
      },
      expect: write(200),
    },
    {
      method: 'PUT',
      doc: `${T}/users/{userId}/roles`,
      url: () => `${base}/users/${fixture.userId}/roles`,
      body: { role: 'member' },
      expect: write(200),
    },
    {
      method: 'DELETE',
      doc: `${T}/users/{userId}/roles`,
      url: () => `${base}/users/${fresh.id}/roles?agentId=${fixture.agent}`,
      prepare: async () => {
        await newUser();
        await ok('PUT', `${base}/users/${fresh.id}/roles`, { role: 'admin', agentId: fixture.agent });
      },
      expect: write(200),
    },
  ];
  return { setup, routes };
}
