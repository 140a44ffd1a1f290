import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest } from '../fake-llm/dialect';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai';
import { chaosToolCall, echoOf, TOOL_MARKER } from './model-plan';

export { CHAOS_TOOL_FILE, chaosToolCall, echoOf, TOOL_MARKER, toolLabel } from './model-plan';

const PEER_PORT_HEADER = 'x-chaos-peer-port';

/** What the model hook sees: a request and, on demand, the pid of the process that sent it. */
export interface ModelCall {
  readonly request: RecordedRequest;
  /** `tool-call`: the model is about to ask for a tool. `after-tool`: the request carries the tool's result. */
  readonly phase: 'answer' | 'tool-call' | 'after-tool';
  /** The OS process on the other end of the request's connection, among `candidates`. */
  callerPid(candidates: readonly number[]): number | undefined;
}

export interface ChaosModel {
  /** What the apps get as MODEL_BASE_URL: a proxy in front of the fake, so a request can be traced to its process. */
  readonly url: string;
  readonly fake: FakeOpenAI;
  /** Called for every completion request, before the fake answers it (after its latency). */
  onCall(hook: ((call: ModelCall) => void) | undefined): void;
  close(): Promise<void>;
}

/**
 * The fake OpenAI model of a chaos run: `echo: <text>`, or for messages marked `[tool]` first a tool
 * call (`chaosToolCall`: a real sandbox call or get_time), then the echo once the tool's result, or
 * its error, is in the conversation: whatever the tool did, the reply's text is known in advance.
 */
export async function startChaosModel(options: { latencyMs?: number } = {}): Promise<ChaosModel> {
  let hook: ((call: ModelCall) => void) | undefined;
  const fake = await startFakeOpenAI({
    latencyMs: options.latencyMs ?? 20,
    reply(request) {
      const messages: Array<{ role?: string }> = Array.isArray(request.body?.messages) ? request.body.messages : [];
      const afterTool = messages.at(-1)?.role === 'tool';
      const wantsTool = !afterTool && (request.lastUserText ?? '').includes(TOOL_MARKER);
      const phase = afterTool ? 'after-tool' : wantsTool ? 'tool-call' : 'answer';
      if (hook) {
        const peerPort = Number(request.headers[PEER_PORT_HEADER]);
        try {
          hook({ request, phase, callerPid: (candidates) => pidOfPeer(peerPort, proxyPort, candidates) });
        } catch {
          // a hook never breaks the model
        }
      }
      if (wantsTool) return { toolCalls: [chaosToolCall(request.lastUserText ?? '')] };
      return echoOf(request.lastUserText ?? '');
    },
  });

  // A transparent HTTP proxy that tells the fake which TCP port each request came from.
  const upstream = new URL(fake.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const proxy: Server = createServer((req, res) => {
    const headers = { ...req.headers, [PEER_PORT_HEADER]: String(req.socket.remotePort ?? 0), host: upstream.host };
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    forward.on('error', () => (res.headersSent ? res.destroy() : (res.writeHead(502), res.end())));
    req.on('error', () => forward.destroy());
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyPort = (proxy.address() as AddressInfo).port;
  const url = new URL(fake.url);
  url.port = String(proxyPort);

  return {
    url: url.toString().replace(/\/$/, ''),
    fake,
    onCall(h) {
      hook = h;
    },
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      agent.destroy();
      await fake.close();
    },
  };
}

/**
 * The pid (among `candidates`) owning the TCP socket 127.0.0.1:peerPort → 127.0.0.1:serverPort:
 * the socket's inode from /proc/net/tcp, then the process with that inode among its fds.
 */
export function pidOfPeer(peerPort: number, serverPort: number, candidates: readonly number[]): number | undefined {
  if (!peerPort) return undefined;
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = parseInt(cols[1]!.split(':').at(-1)!, 16);
      const remote = parseInt(cols[2]!.split(':').at(-1)!, 16);
      if (local === peerPort && remote === serverPort) inode = cols[9];
    }
    if (inode) break;
  }
  if (!inode) return undefined;
  const target = `socket:[${inode}]`;
  for (const pid of candidates) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return pid;
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // process gone
    }
  }
  return undefined;
}
