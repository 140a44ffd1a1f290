import type { Dialect } from './fake-llm/dialect';
import { chatCompletions, nowSeconds } from './fake-llm/openai-chat';
import { responses } from './fake-llm/openai-responses';
import { startFakeLlm, type FakeLlm, type FakeLlmOptions } from './fake-llm/server';
import { randomId } from './fake-llm/util';

export interface FakeOpenAIOptions extends FakeLlmOptions {
  /** Ids listed by `GET /v1/models`. */
  readonly models?: readonly string[];
}

/** A fake OpenAI API: the real `openai` SDK works against it with `baseURL: fake.url`. */
export type FakeOpenAI = FakeLlm;

/**
 * Starts a fake of the OpenAI HTTP API on 127.0.0.1: chat completions and the Responses API,
 * streaming or not, with tool calls, usage, errors in OpenAI's shape and a log of every request.
 */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  return startFakeLlm(openAIDialect(options.models ?? ['gpt-4o-mini', 'gpt-4.1', 'fake-model']), options);
}

function openAIDialect(models: readonly string[]): Dialect {
  const modelList = {
    kind: 'static' as const,
    api: 'models',
    respond: () => ({
      object: 'list',
      data: models.map((id) => ({ id, object: 'model', created: nowSeconds(), owned_by: 'clawfleet-fake' })),
    }),
  };
  return {
    endpoint(method, path) {
      if (method === 'POST' && path === '/v1/chat/completions') return chatCompletions;
      if (method === 'POST' && path === '/v1/responses') return responses;
      if (method === 'GET' && path === '/v1/models') return modelList;
      return undefined;
    },
    authorized: (headers, apiKey) => headers['authorization'] === `Bearer ${apiKey}`,
    unauthorizedMessage(headers) {
      const given = headers['authorization']?.replace(/^Bearer\s+/i, '');
      if (!given)
        return "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
      return `Incorrect API key provided: ${mask(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    },
    errorBody(status, message, type) {
      return { error: { message, type: type ?? errorType(status), param: null, code: errorCode(status) } };
    },
    sdkBasePath: '/v1',
    requestIdHeader: 'x-request-id',
    newRequestId: () => randomId('req_', 32),
    newToolCallId: () => randomId('call_'),
  };
}

function errorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function errorCode(status: number): string | null {
  if (status === 401) return 'invalid_api_key';
  if (status === 404) return 'unknown_url';
  if (status === 429) return 'rate_limit_exceeded';
  return null;
}

/** OpenAI shows only the ends of a wrong key, so logs of a failing spec never carry a whole key. */
function mask(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}***${key.slice(-4)}`;
}
