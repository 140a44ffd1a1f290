import { messages } from './fake-llm/anthropic-messages';
import type { Dialect } from './fake-llm/dialect';
import { startFakeLlm, type FakeLlm, type FakeLlmOptions } from './fake-llm/server';
import { randomId } from './fake-llm/util';

export interface FakeAnthropicOptions extends FakeLlmOptions {
  /** Ids listed by `GET /v1/models`. */
  readonly models?: readonly string[];
}

/**
 * A fake Anthropic API: the real `@anthropic-ai/sdk` works against it with `baseURL: fake.url`.
 * Unlike OpenAI's, that SDK appends `/v1/messages` itself, so `url` is the origin, without `/v1`.
 */
export type FakeAnthropic = FakeLlm;

/**
 * Starts a fake of the Anthropic Messages API on 127.0.0.1: streaming or not, tool_use blocks,
 * usage and stop reasons, errors in Anthropic's shape (429 with retry-after, 529 overloaded…).
 */
export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  return startFakeLlm(anthropicDialect(options.models ?? ['claude-opus-4-6', 'claude-haiku-4-5']), options);
}

function anthropicDialect(models: readonly string[]): Dialect {
  const modelList = {
    kind: 'static' as const,
    api: 'models',
    respond: () => ({
      data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
      has_more: false,
      first_id: models[0] ?? null,
      last_id: models.at(-1) ?? null,
    }),
  };
  return {
    endpoint(method, path) {
      if (method === 'POST' && path === '/v1/messages') return messages;
      if (method === 'GET' && path === '/v1/models') return modelList;
      return undefined;
    },
    // SDK versions differ: an API key travels as `x-api-key` or as `Authorization: Bearer`; both are accepted.
    authorized: (headers, apiKey) => headers['x-api-key'] === apiKey || headers['authorization'] === `Bearer ${apiKey}`,
    unauthorizedMessage: () => 'invalid x-api-key',
    errorBody: (status, message, type, requestId) => ({
      type: 'error',
      error: { type: type ?? errorType(status), message },
      request_id: requestId,
    }),
    sdkBasePath: '',
    requestIdHeader: 'request-id',
    newRequestId: () => randomId('req_011C'),
    newToolCallId: () => randomId('toolu_01'),
  };
}

function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}
