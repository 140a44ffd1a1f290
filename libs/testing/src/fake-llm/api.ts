import type { RecordedRequest } from './dialect';
import type { ScriptedReply, ScriptedResponse } from './script';
import type { RequestFilter } from './util';

export type { RequestFilter } from './util';

/** Answers a request the script has nothing for. */
export type DefaultReply = (request: RecordedRequest) => string | ScriptedReply;

export interface FakeLlmOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** When set, requests with another key get the provider's 401. */
  readonly apiKey?: string;
  /** Delay before the first byte of every response. */
  readonly latencyMs?: number;
  /** Delay between streamed events, so a spec can kill a client mid-stream. */
  readonly chunkDelayMs?: number;
  /** Defaults to `echo: <last user message>`. */
  readonly reply?: DefaultReply;
  /** Refuse requests the real API refuses (default true), so client bugs fail here and not in production. */
  readonly validate?: boolean;
}

/** What both provider fakes offer; each adds nothing but its wire format. */
export interface FakeLlm {
  /** What to pass as the provider SDK's `baseURL` (`…/v1` for OpenAI, the origin for Anthropic). */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order (a live array). */
  readonly requests: readonly RecordedRequest[];
  /** Queues responses, consumed one per model request. */
  script(...responses: ScriptedResponse[]): void;
  /** Scripted responses not consumed yet. */
  pending(): number;
  requestsWhere(filter: RequestFilter | ((r: RecordedRequest) => boolean)): RecordedRequest[];
  /** Resolves once `count` requests match (default: any), or rejects after `timeoutMs`. */
  waitForRequests(count: number, filter?: RequestFilter, timeoutMs?: number): Promise<RecordedRequest[]>;
  setLatency(ms: number): void;
  setChunkDelay(ms: number): void;
  setReply(reply: DefaultReply): void;
  /** Forgets requests and the script. */
  reset(): void;
  /** Stops listening and drops every open connection, hanging ones included. */
  close(): Promise<void>;
}
