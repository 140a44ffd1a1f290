import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ModelError } from './llm.port';

/**
 * Statuses where the same request may succeed later: 408/409 (timeouts, lock contention), 429 (rate
 * limit) and every 5xx, Anthropic's 529 "overloaded" included. The SDKs retry exactly these, so a
 * ModelError with one of them means the SDK's own retries are used up.
 */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/** The code FailoverProvider treats as "this model does not exist here, try the next one". */
export const MODEL_NOT_FOUND = 'model-404';

/**
 * What went wrong, as the codes of ModelError (and of TurnFailed): each has its own text for the user
 * (`session/failure-texts.ts`), while the message keeps the provider's own words for the logs and the
 * session's events.
 */
export const MODEL_ERROR = {
  rateLimited: 'model-rate-limited',
  /** The provider account's quota or credit is used up (OpenAI's 429 `insufficient_quota`). */
  quota: 'model-quota',
  unavailable: 'model-unavailable',
  timeout: 'model-timeout',
  auth: 'model-auth',
  contextTooLong: 'model-context-too-long',
  refused: 'model-refused',
  notFound: MODEL_NOT_FOUND,
  /** The provider rejected the request for another reason (a 400 or 422 the platform did not expect). */
  rejected: 'model-rejected',
  aborted: 'model-aborted',
  unknown: 'model-error',
} as const;

// Providers name these in their messages and codes; OpenAI-compatible servers copy OpenAI's words.
const CONTEXT_TOO_LONG =
  /context[_ ]length|context window|maximum context|prompt is too long|too many tokens|reduce the length/i;
const REFUSED = /content[_ ]?(filter|policy|management)|safety (system|policy)|usage polic|flagged/i;

/** The code of a provider's HTTP error, from its status and (for 400s) its words. */
export function codeOfStatus(status: number, message: string, providerCode: string | undefined): string {
  if (status === 429) return providerCode === 'insufficient_quota' ? MODEL_ERROR.quota : MODEL_ERROR.rateLimited;
  if (status === 408) return MODEL_ERROR.timeout;
  if (status === 401 || status === 403) return MODEL_ERROR.auth;
  if (isRetryableStatus(status)) return MODEL_ERROR.unavailable;
  // OpenAI-compatible servers disagree on the status of an unknown model; OpenAI's own code is explicit.
  if (status === 404 || providerCode === 'model_not_found') return MODEL_ERROR.notFound;
  const words = `${providerCode ?? ''} ${message}`;
  if (CONTEXT_TOO_LONG.test(words)) return MODEL_ERROR.contextTooLong;
  if (REFUSED.test(words)) return MODEL_ERROR.refused;
  return MODEL_ERROR.rejected;
}

/**
 * Maps whatever a provider SDK threw to the one error the turn logic understands, decided in one
 * place for both SDKs so `retryable` and `code` mean the same whichever provider answered.
 */
export function toModelError(error: unknown, signal?: AbortSignal): ModelError {
  // An abort is the caller's decision (shutdown, cancelled turn): never retried, never failed over.
  // Checked first: an aborted stream may just end early, and whatever that caused is not the model's fault.
  if (signal?.aborted || error instanceof OpenAI.APIUserAbortError || error instanceof Anthropic.APIUserAbortError)
    return new ModelError('model request aborted', false, MODEL_ERROR.aborted);
  if (error instanceof ModelError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof Anthropic.APIConnectionTimeoutError)
    return new ModelError(`model request timed out: ${error.message}`, true, MODEL_ERROR.timeout);
  if (error instanceof OpenAI.APIConnectionError || error instanceof Anthropic.APIConnectionError)
    return new ModelError(`model server unreachable: ${error.message}`, true, MODEL_ERROR.unavailable);
  if (error instanceof OpenAI.APIError || error instanceof Anthropic.APIError) {
    const status = error.status ?? 0;
    // Without a status the error arrived inside a stream (an `error` event): the server failed mid-answer.
    if (status === 0) return new ModelError(`model stream failed: ${error.message}`, true, MODEL_ERROR.unavailable);
    const providerCode = error instanceof OpenAI.APIError && typeof error.code === 'string' ? error.code : undefined;
    return new ModelError(
      `model request failed (${status}): ${error.message}`,
      isRetryableStatus(status),
      codeOfStatus(status, error.message, providerCode),
    );
  }
  // Anything else (a dropped stream, a malformed chunk) says nothing about the request itself.
  return new ModelError(`model request failed: ${(error as Error)?.message ?? String(error)}`, true);
}
