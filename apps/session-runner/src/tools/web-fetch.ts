import { convert } from 'html-to-text';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { z } from 'zod';
import { parsePrivateOverrides } from '../sandbox/egress/addresses';
import { checkTarget, EgressRefused, systemResolver, type Resolver, type Target } from '../sandbox/egress/target';
import { defineTool, type Tool } from './tool.port';

export const WEB_FETCH = 'web_fetch';

export interface WebFetchOptions {
  /** Longest a call may take, every redirect included (WEB_FETCH_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** Bytes of a response body read, after decompression (WEB_FETCH_MAX_BYTES). */
  readonly maxBytes: number;
  /** Bytes of text shown to the model (SANDBOX_MAX_OUTPUT_BYTES; an agent's sandbox may lower it). */
  readonly maxOutputBytes: number;
  readonly maxRedirects?: number;
  readonly resolver?: Resolver;
  /** The operator's private overrides (SANDBOX_EGRESS_ALLOW_PRIVATE). */
  readonly allowPrivate?: readonly string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TEXT_TYPES = /^(text\/.+|application\/(json|xml|javascript|x-javascript|ecmascript|ld\+json|rss\+xml|atom\+xml|x-ndjson|[a-z0-9.+-]+\+(json|xml)))$/;
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

/** Why a URL is never fetched; null when it may be tried (its host is checked when it is). */
function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text.slice(0, 200))} is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs can be fetched, not ${url.protocol}`;
  if (url.username || url.password) return 'a URL with a user name or password is never fetched (no credential leaves through web_fetch)';
  return null;
}

/** Share of bytes that no text has (NUL and other C0 controls but tab, newline, carriage return, form feed). */
function controlShare(bytes: Buffer): number {
  const sample = bytes.subarray(0, 4096);
  let control = 0;
  for (const b of sample) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  return sample.length === 0 ? 0 : control / sample.length;
}

function decode(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** The first `max` bytes of a text (cut on a character), and whether it was cut. */
function capBytes(text: string, max: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return { text, cut: false };
  return { text: bytes.subarray(0, max).toString('utf8').replace(/\uFFFD$/, ''), cut: true };
}

/** Connects to the checked address only: the name is never resolved again (no DNS rebinding). */
const pinned =
  (target: Target): LookupFunction =>
  (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };

interface Fetched {
  readonly status: number;
  readonly statusText: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Readable;
}

function request(url: URL, target: Target, signal: AbortSignal): Promise<Fetched> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        // The name, for the Host header, SNI and the certificate check; the address comes from `lookup`.
        host: target.host,
        port: target.port,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: {
          'user-agent': 'clawfleet-web-fetch/1',
          accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.9,*/*;q=0.1',
          'accept-encoding': 'gzip, deflate, br',
        },
        lookup: pinned(target),
        agent: false,
        signal,
      },
      (res) => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: res }),
    );
    req.once('error', reject);
    req.end();
  });
}

/** The body, decompressed, up to `max` bytes; `cut` when there was more. */
async function readBody(fetched: Fetched, max: number): Promise<{ bytes: Buffer; cut: boolean }> {
  const encoding = String(fetched.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const decoders: Record<string, () => NodeJS.ReadWriteStream> = {
    gzip: () => zlib.createGunzip(),
    'x-gzip': () => zlib.createGunzip(),
    deflate: () => zlib.createInflate(),
    br: () => zlib.createBrotliDecompress(),
  };
  if (encoding !== 'identity' && !decoders[encoding]) {
    fetched.body.destroy();
    throw new Error(`the response is encoded as "${encoding.slice(0, 40)}", which web_fetch does not read`);
  }
  const stream: Readable = encoding === 'identity' ? fetched.body : (fetched.body.pipe(decoders[encoding]!()) as unknown as Readable);
  const chunks: Buffer[] = [];
  let size = 0;
  let cut = false;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      const room = max - size;
      if (buffer.length > room) {
        chunks.push(buffer.subarray(0, room));
        size = max;
        cut = true;
        break;
      }
      chunks.push(buffer);
      size += buffer.length;
    }
  } catch (error) {
    if (size === 0) throw new Error(`reading the response failed: ${(error as Error).message}`);
    cut = true; // what arrived before the failure is shown
  } finally {
    fetched.body.destroy();
    stream.destroy();
  }
  return { bytes: Buffer.concat(chunks), cut };
}

/**
 * `web_fetch`: GET a page from session-runner (not the sandbox), only when the session's agent has
 * egress, to hosts of its allow-list, through the same checks as the sandbox's proxy — after
 * resolution, on every redirect (followed here, each hop checked again, at most `maxRedirects`),
 * the connection pinned to the checked address. Text and HTML (as text) only, bounded in bytes read,
 * in text shown and in time. What it returns is made storable by the turn's sanitize step.
 */
export function webFetchTool(options: WebFetchOptions): Tool {
  const allowPrivate = parsePrivateOverrides(options.allowPrivate ?? []);
  const resolver = options.resolver ?? systemResolver;
  const maxRedirects = options.maxRedirects ?? 5;

  return defineTool({
    name: WEB_FETCH,
    description:
      'Fetch a web page (http or https GET) and return its text; HTML is converted to text. Only hosts on this agent\'s egress allow-list are reachable. Binary content is not returned.',
    schema: z.object({
      url: z
        .string()
        .min(1)
        .max(8_192)
        .describe('absolute http:// or https:// URL')
        .superRefine((value, ctx) => {
          const problem = urlProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    }),
    idempotent: true,
    async run({ url: text }, context) {
      const allow = context.sandbox?.egress?.allow;
      if (!allow) throw new Error("not available: this agent's sandbox has no egress (sandbox.egress.allow lists the hosts it may reach)");
      const maxOutput = Math.min(options.maxOutputBytes, context.sandbox?.maxOutputBytes ?? Infinity);
      const deadline = AbortSignal.timeout(options.timeoutMs);
      const signal = context.signal ? AbortSignal.any([deadline, context.signal]) : deadline;
      const started = Date.now();
      const rules = () => ({
        allow,
        resolver,
        allowPrivate,
        resolveTimeoutMs: Math.max(1, Math.min(10_000, options.timeoutMs - (Date.now() - started))),
      });

      let url = new URL(text);
      const chain: string[] = [];
      try {
        for (let hop = 0; ; hop++) {
          let target: Target;
          try {
            target = await checkTarget(url.hostname, Number(url.port || (url.protocol === 'https:' ? 443 : 80)), rules());
          } catch (error) {
            if (error instanceof EgressRefused && hop > 0)
              throw new Error(`redirected to ${url.href}, which is refused: ${error.message}`);
            throw error;
          }
          if (signal.aborted) throw signal.reason as Error;
          const fetched = await request(url, target, signal);
          const location = fetched.headers.location;
          if (REDIRECTS.has(fetched.status) && location) {
            fetched.body.destroy();
            chain.push(url.href);
            if (hop >= maxRedirects) throw new Error(`more than ${maxRedirects} redirects (${[...chain].join(' → ')})`);
            let next: URL;
            try {
              next = new URL(location, url);
            } catch {
              throw new Error(`${url.href} redirected to ${JSON.stringify(location.slice(0, 200))}, which is not a URL`);
            }
            const problem = urlProblem(next.href);
            if (problem) throw new Error(`${url.href} redirected to ${next.href.slice(0, 200)}: ${problem}`);
            if (chain.includes(next.href)) throw new Error(`a redirect loop: ${[...chain, next.href].join(' → ')}`);
            url = next;
            continue;
          }
          return await render(url, fetched, chain, maxOutput);
        }
      } catch (error) {
        if (deadline.aborted) throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s (${url.href})`);
        throw error;
      }
    },
  });

  async function render(url: URL, fetched: Fetched, chain: readonly string[], maxOutput: number): Promise<string> {
    const contentType = String(fetched.headers['content-type'] ?? '');
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    const charset = /charset="?([^";\s]+)/i.exec(contentType)?.[1];
    const known = type === '' || HTML_TYPES.has(type) || TEXT_TYPES.test(type);
    if (!known) {
      fetched.body.destroy();
      throw new Error(`${url.href} answered ${fetched.status} with ${type} content, which web_fetch does not return (text and HTML only)`);
    }
    const { bytes, cut: bodyCut } = await readBody(fetched, options.maxBytes);
    if (controlShare(bytes) > 0.1)
      throw new Error(`${url.href} answered ${fetched.status} with binary content (${bytes.length} bytes${type ? `, declared ${type}` : ''}); web_fetch returns text only`);
    const raw = decode(bytes, charset);
    const html = HTML_TYPES.has(type) || (type === '' && /^\s*(<!doctype html|<html)/i.test(raw));
    const text = html ? convert(raw, { wordwrap: false }) : raw;
    const shown = capBytes(text, maxOutput);
    const head = [
      `${fetched.status} ${fetched.statusText}`.trim() + ` — ${url.href}`,
      `content-type: ${type || 'none'}; ${bytes.length} bytes${bodyCut ? ` read (the response is longer; the first ${options.maxBytes} bytes were read)` : ''}`,
      ...(chain.length > 0 ? [`redirected from: ${chain.join(' → ')}`] : []),
    ];
    const notes = shown.cut ? [`[text cut at ${maxOutput} bytes of ${Buffer.byteLength(text)}]`] : [];
    return [...head, '', shown.text, ...notes].join('\n');
  }
}
