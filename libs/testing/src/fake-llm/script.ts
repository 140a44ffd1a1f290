import type { ResolvedReply } from './dialect';
import { parseJson } from './util';

/**
 * What a fake model answers, shared by the OpenAI and Anthropic fakes: the wire format differs,
 * the script does not, so one spec can drive either provider.
 */

/** A tool call the fake model makes. A string `arguments` is sent verbatim, so a spec can send invalid JSON. */
export interface ScriptedToolCall {
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>> | string;
  /** Defaults to a fresh provider-style id (`call_…`, `toolu_…`). */
  readonly id?: string;
}

interface Scoped {
  /** Only a request for this model consumes the entry; others pass it by. */
  readonly model?: string;
}

/** A model answer: text, tool calls, or both (text first, as the providers send it). */
export interface ScriptedReply extends Scoped {
  readonly text?: string;
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Overrides the estimated token counts. */
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number };
  /** Ends as cut off by the token limit (`length` / `max_tokens`) instead of a normal stop. */
  readonly truncated?: boolean;
  /** Streaming only: the connection is dropped after this many SSE events, as when a provider dies mid-answer. */
  readonly cutAfterEvents?: number;
}

/** An HTTP error in the provider's own error shape, e.g. 429 with `retry-after`, 500, 529. */
export interface ScriptedError extends Scoped {
  readonly error: {
    readonly status: number;
    readonly message?: string;
    /** Seconds, sent as the `retry-after` header (fractions allowed: the SDKs parse a float). */
    readonly retryAfter?: number;
    /** Overrides the provider error type derived from the status. */
    readonly type?: string;
  };
}

/** The request is read and never answered, until the client gives up or the fake closes. */
export interface ScriptedHang extends Scoped {
  readonly hang: true;
}

/** The TCP connection is dropped without any response (after the configured latency). */
export interface ScriptedDisconnect extends Scoped {
  readonly disconnect: true;
}

export type ScriptedResponse = ScriptedReply | ScriptedError | ScriptedHang | ScriptedDisconnect;

export const isError = (r: ScriptedResponse): r is ScriptedError => 'error' in r;
export const isHang = (r: ScriptedResponse): r is ScriptedHang => 'hang' in r && r.hang;
export const isDisconnect = (r: ScriptedResponse): r is ScriptedDisconnect => 'disconnect' in r && r.disconnect;

/**
 * Responses consumed one per model request, in order. An entry scoped to a model waits for a
 * request to that model without blocking unscoped entries behind it.
 */
export class ScriptQueue {
  private readonly entries: ScriptedResponse[] = [];

  push(...responses: ScriptedResponse[]): void {
    this.entries.push(...responses);
  }

  take(model: string | undefined): ScriptedResponse | undefined {
    const index = this.entries.findIndex((e) => e.model === undefined || e.model === model);
    return index < 0 ? undefined : this.entries.splice(index, 1)[0];
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

/** Rough token count (≈ 4 characters per token): plausible numbers, and stable for a given input. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Splits text the way a model streams it: word by word, white space kept, so the deltas join back exactly. */
export function textDeltas(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

/** Splits tool-call arguments into small fragments, so clients must accumulate them as with a real model. */
export function argumentDeltas(json: string, size = 12): string[] {
  const parts: string[] = [];
  for (let i = 0; i < json.length; i += size) parts.push(json.slice(i, i + size));
  return parts;
}

export function argumentsJson(call: ScriptedToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

/** Fills in ids and token counts once, so the streamed events and the final body agree. */
export function resolveReply(
  step: ScriptedReply,
  body: Record<string, unknown>,
  newToolCallId: () => string,
): ResolvedReply {
  const toolCalls = step.toolCalls?.map((c) => {
    const json = argumentsJson(c);
    return { id: c.id ?? newToolCallId(), name: c.name, argumentsJson: json, arguments: parseJson(json) ?? json };
  });
  const output = (step.text ?? '') + (toolCalls ?? []).map((c) => c.name + c.argumentsJson).join('');
  return {
    ...step,
    toolCalls,
    inputTokens: step.usage?.inputTokens ?? estimateTokens(body['messages'] ?? body['input']),
    outputTokens: step.usage?.outputTokens ?? estimateTokens(output),
  };
}
