import type { ScriptedReply } from './script';

/** One request as the fake received it, kept so specs can prove what was (or was not) sent again. */
export interface RecordedRequest {
  /** 1, 2, 3… in arrival order. */
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  /** Lower-case names, as on the wire (incl. `authorization`, `x-api-key`, `idempotency-key`…). */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body, `undefined` when there was none or it did not parse. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON as sent; specs inspect it freely
  readonly body: any;
  readonly rawBody: string;
  /** Which provider API the path belongs to, e.g. `chat.completions`, `responses`, `messages`, `models`. */
  readonly api: string;
  readonly model?: string;
  readonly stream: boolean;
  /** The text of the last user message that has text, for echo replies and matching. */
  readonly lastUserText?: string;
  /** Epoch milliseconds. */
  readonly receivedAt: number;
  /** HTTP status answered; unset while in flight, and for hangs and dropped connections. */
  status?: number;
}

/** A scripted reply with every id filled in, so the stream and the final body agree. */
export interface ResolvedReply extends Omit<ScriptedReply, 'toolCalls'> {
  readonly text?: string;
  readonly toolCalls?: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly argumentsJson: string;
    readonly arguments: Readonly<Record<string, unknown>> | string;
  }>;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface SseEvent {
  readonly event?: string;
  /** Serialized as JSON, except a string which is sent as is (OpenAI's `[DONE]`). */
  readonly data: unknown;
}

/** An endpoint that produces a model answer from the script. */
export interface CompletionEndpoint {
  readonly kind: 'completion';
  readonly api: string;
  /** The provider's 400 message for a request it would refuse, or undefined. */
  validate(body: Record<string, unknown>): string | undefined;
  lastUserText(body: Record<string, unknown>): string | undefined;
  isStream(body: Record<string, unknown>): boolean;
  respond(body: Record<string, unknown>, reply: ResolvedReply): unknown;
  stream(body: Record<string, unknown>, reply: ResolvedReply): SseEvent[];
}

/** An endpoint with a fixed answer (e.g. the model list). */
export interface StaticEndpoint {
  readonly kind: 'static';
  readonly api: string;
  respond(): unknown;
}

export type Endpoint = CompletionEndpoint | StaticEndpoint;

/** Everything provider-specific: routes, auth, error shapes and ids. The engine does the I/O. */
export interface Dialect {
  endpoint(method: string, path: string): Endpoint | undefined;
  authorized(headers: Readonly<Record<string, string>>, apiKey: string): boolean;
  /** The provider's error body for an HTTP status; `type` overrides the one derived from the status. */
  errorBody(status: number, message: string, type?: string, requestId?: string): unknown;
  readonly unauthorizedMessage: (headers: Readonly<Record<string, string>>) => string;
  /** What follows the origin in the SDK's `baseURL`: `/v1` for OpenAI, nothing for Anthropic (its SDK adds `/v1`). */
  readonly sdkBasePath: string;
  readonly requestIdHeader: string;
  newRequestId(): string;
  newToolCallId(): string;
}
