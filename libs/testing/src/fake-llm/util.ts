import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { RecordedRequest } from './dialect';
import type { ScriptedReply } from './script';

export interface RequestFilter {
  readonly api?: string;
  readonly model?: string;
  readonly path?: string;
  readonly stream?: boolean;
  /** Epoch ms: only requests received at or after it. */
  readonly since?: number;
  /** Only requests whose raw body contains this string. */
  readonly containing?: string;
}

export function matches(r: RecordedRequest, f: RequestFilter): boolean {
  return (
    (f.api === undefined || r.api === f.api) &&
    (f.model === undefined || r.model === f.model) &&
    (f.path === undefined || r.path === f.path) &&
    (f.stream === undefined || r.stream === f.stream) &&
    (f.since === undefined || r.receivedAt >= f.since) &&
    (f.containing === undefined || r.rawBody.includes(f.containing))
  );
}

export function toReply(value: string | ScriptedReply): ScriptedReply {
  return typeof value === 'string' ? { text: value } : value;
}

export function defaultMessage(status: number): string {
  if (status === 429) return 'Rate limit reached. Please try again later.';
  if (status === 529) return 'Overloaded';
  if (status >= 500) return 'The server had an error while processing your request.';
  return `Request failed with status ${status}.`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON
export function parseJson(text: string): Record<string, any> | undefined {
  try {
    const value: unknown = text ? JSON.parse(text) : undefined;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

/** A provider-style random id, e.g. `chatcmpl-…`, `call_…`, `toolu_…`. */
export function randomId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = prefix;
  for (const byte of randomBytes(length)) id += alphabet[byte % alphabet.length];
  return id;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a content value that is either a string or an array of typed parts. */
export function contentText(content: unknown, partTypes: readonly string[]): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content
    .filter((p) => isRecord(p) && partTypes.includes(String(p['type'])) && typeof p['text'] === 'string')
    .map((p) => p.text as string);
  return texts.length ? texts.join('\n') : undefined;
}
