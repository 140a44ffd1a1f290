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
 * Maps whatever a provider SDK threw to the one error the turn logic understands, decided in one
 * place for both SDKs so `retryable` means the same whichever provider answered.
 */
export function toModelError(error: unknown, signal?: AbortSignal): ModelError {
  // An abort is the caller's decision (shutdown, cancelled turn): never retried, never failed over.
  // Checked first: an aborted stream may just end early, and whatever that caused is not the model's fault.
  if (signal?.aborted || error instanceof OpenAI.APIUserAbortError || error instanceof Anthropic.APIUserAbortError)
    return new ModelError('model request aborted', false, 'model-aborted');
  if (error instanceof ModelError) return error;
  // Timeouts are connection errors in both SDKs.
  if (error instanceof OpenAI.APIConnectionError || error instanceof Anthropic.APIConnectionError)
    return new ModelError(`model server unreachable: ${error.message}`, true);
  if (error instanceof OpenAI.APIError || error instanceof Anthropic.APIError) {
    const status = error.status ?? 0;
    // Without a status the error arrived inside a stream (an `error` event): the server failed mid-answer.
    if (status === 0) return new ModelError(`model stream failed: ${error.message}`, true);
    if (isRetryableStatus(status)) return new ModelError(`model request failed (${status}): ${error.message}`, true);
    // OpenAI-compatible servers disagree on the status of an unknown model; OpenAI's own code is explicit.
    const notFound = status === 404 || (error instanceof OpenAI.APIError && error.code === 'model_not_found');
    return new ModelError(
      `model request failed (${status}): ${error.message}`,
      false,
      notFound ? MODEL_NOT_FOUND : `model-${status}`,
    );
  }
  // Anything else (a dropped stream, a malformed chunk) says nothing about the request itself.
  return new ModelError(`model request failed: ${(error as Error)?.message ?? String(error)}`, true);
}
