import createClient from 'openapi-fetch';
import type { paths } from './admin-api.generated';

/**
 * A client of the admin API typed from its OpenAPI document (openapi-fetch over the types
 * openapi-typescript generated from docs/openapi.json): a route, a parameter or a field the document
 * does not have is a compile error in the spec. `seen` collects every answer's body as text.
 */
export function adminClient(baseUrl: string, key: string, seen: string[] = []) {
  return createClient<paths>({
    baseUrl,
    headers: { authorization: `Bearer ${key}` },
    fetch: async (request) => {
      const response = await fetch(request);
      seen.push(`${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await response.clone().text()}`);
      return response;
    },
  });
}

export type AdminClient = ReturnType<typeof adminClient>;
