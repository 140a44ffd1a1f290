import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DefaultReply, FakeLlm, FakeLlmOptions } from './api';
import type { CompletionEndpoint, Dialect, RecordedRequest, ResolvedReply, SseEvent } from './dialect';
import { isDisconnect, isError, isHang, resolveReply, ScriptQueue } from './script';
import { defaultMessage, matches, parseJson, readBody, toReply } from './util';

export type { DefaultReply, FakeLlm, FakeLlmOptions, RequestFilter } from './api';

const echo: DefaultReply = (request) => `echo: ${request.lastUserText ?? ''}`;

/** Starts an HTTP server that speaks `dialect`, on 127.0.0.1. */
export async function startFakeLlm(dialect: Dialect, options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const requests: RecordedRequest[] = [];
  const queue = new ScriptQueue();
  const timers = new Set<NodeJS.Timeout>();
  let latencyMs = options.latencyMs ?? 0;
  let chunkDelayMs = options.chunkDelayMs ?? 0;
  let reply = options.reply ?? echo;
  let closed = false;

  // Timers are tracked so close() leaves nothing pending that would keep Jest alive.
  const sleep = (ms: number) =>
    ms <= 0 || closed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const t = setTimeout(() => (timers.delete(t), resolve()), ms);
          timers.add(t);
        });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the fake must show up in the spec, not as a silently hung request.
      if (!res.headersSent && !res.destroyed) sendError(res, 500, `fake server error: ${String(error)}`);
      else res.destroy();
    });
  });

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (res.destroyed) return;
    res.writeHead(status, {
      'content-type': 'application/json',
      [dialect.requestIdHeader]: dialect.newRequestId(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  function sendError(res: ServerResponse, status: number, message: string, type?: string, retryAfter?: number) {
    const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
    sendJson(res, status, dialect.errorBody(status, message, type, dialect.newRequestId()), headers);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const rawBody = await readBody(req);
    const body = parseJson(rawBody);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const method = req.method ?? 'GET';
    const endpoint = dialect.endpoint(method, path);
    const completion = endpoint?.kind === 'completion' && body ? endpoint : undefined;
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    const record: RecordedRequest = {
      seq: requests.length + 1,
      method,
      path,
      headers,
      body,
      rawBody,
      api: endpoint?.api ?? 'unknown',
      model: typeof body?.['model'] === 'string' ? body['model'] : undefined,
      stream: completion ? completion.isStream(body!) : false,
      lastUserText: completion ? completion.lastUserText(body!) : undefined,
      receivedAt: Date.now(),
    };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));

    if (options.apiKey !== undefined && !dialect.authorized(headers, options.apiKey)) {
      await sleep(latencyMs);
      return sendError(res, 401, dialect.unauthorizedMessage(headers));
    }
    if (!endpoint) return sendError(res, 404, `Unknown request URL: ${method} ${path}.`);
    if (endpoint.kind === 'static') {
      await sleep(latencyMs);
      return sendJson(res, 200, endpoint.respond());
    }
    if (!body) return sendError(res, 400, 'We could not parse the JSON body of your request.');
    const invalid = options.validate === false ? undefined : endpoint.validate(body);
    if (invalid) return sendError(res, 400, invalid);

    // Taken on arrival, so concurrent requests get script entries in the order they came in.
    const step = queue.take(record.model) ?? toReply(reply(record));
    if (isHang(step)) return;
    await sleep(latencyMs);
    if (closed || res.destroyed) return;
    if (isDisconnect(step)) return void req.socket.destroy();
    if (isError(step))
      return sendError(
        res,
        step.error.status,
        step.error.message ?? defaultMessage(step.error.status),
        step.error.type,
        step.error.retryAfter,
      );

    const resolved = resolveReply(step, body, dialect.newToolCallId);
    if (!record.stream) return sendJson(res, 200, endpoint.respond(body, resolved));
    await writeStream(res, endpoint, body, resolved);
  }

  async function writeStream(
    res: ServerResponse,
    endpoint: CompletionEndpoint,
    body: Record<string, unknown>,
    reply: ResolvedReply,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      [dialect.requestIdHeader]: dialect.newRequestId(),
    });
    const events: SseEvent[] = endpoint.stream(body, reply);
    for (const [i, e] of events.entries()) {
      if (reply.cutAfterEvents !== undefined && i >= reply.cutAfterEvents) return void res.destroy();
      if (i > 0) await sleep(chunkDelayMs);
      if (closed || res.destroyed) return;
      const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
      const frame = `${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`;
      // Waiting for each flush makes a cut land after the events before it reached the client.
      await new Promise<void>((flushed) => res.write(frame, () => flushed()));
    }
    res.end();
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${dialect.sdkBasePath}`,
    port,
    requests,
    script: (...responses) => queue.push(...responses),
    pending: () => queue.size,
    requestsWhere: (filter) => requests.filter(typeof filter === 'function' ? filter : (r) => matches(r, filter)),
    async waitForRequests(count, filter = {}, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = requests.filter((r) => matches(r, filter));
        if (found.length >= count) return found;
        if (Date.now() > deadline)
          throw new Error(`expected ${count} model requests matching ${JSON.stringify(filter)}, got ${found.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    setLatency: (ms) => void (latencyMs = ms),
    setChunkDelay: (ms) => void (chunkDelayMs = ms),
    setReply: (fn) => void (reply = fn),
    reset() {
      requests.length = 0;
      queue.clear();
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await done;
    },
  };
}
