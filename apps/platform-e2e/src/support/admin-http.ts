import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface AdminAnswer {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the spec reads whatever came back
  readonly json: any;
  readonly text: string;
  readonly type: string;
  readonly headers: Headers;
}

/** Plain HTTP against a running admin-api: the spec sees exactly what a client would. */
export function adminHttp(api: () => string) {
  return async function call(
    method: string,
    url: string,
    key?: string | null,
    body?: unknown,
    raw?: string,
    extra: Record<string, string> = {},
  ): Promise<AdminAnswer> {
    const headers: Record<string, string> = { ...extra };
    if (key) headers['authorization'] = key.startsWith('Bearer ') || key.startsWith('Basic ') ? key : `Bearer ${key}`;
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${api()}${url}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, type: res.headers.get('content-type') ?? '', headers: res.headers };
  };
}

/** `npm run admin -- …` (scripts/admin.mjs) against the API, as a user runs it. */
export function adminCli(api: () => string, key: string) {
  return (args: string[], env: Record<string, string> = {}) => {
    try {
      const out = execFileSync(process.execPath, [path.join(__dirname, '../../../../scripts/admin.mjs'), ...args], {
        env: { ...process.env, ADMIN_API_URL: api(), ADMIN_API_KEY: key, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const text = out.toString();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the spec reads whatever came back
      return { code: 0, out: json as any, text };
    } catch (error) {
      const e = error as { status: number; stderr: Buffer };
      return { code: e.status, out: e.stderr.toString(), text: e.stderr.toString() };
    }
  };
}
