/**
 * A minimal HTTP client of a GraphQL endpoint, for tests and tools: POSTs a request body over one
 * keep-alive connection pool and answers the status, headers and JSON body (or `{ raw }` when the
 * body is not JSON, so that a test can see exactly what a refused request got back).
 */
import { Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface GraphQLHttpResponse<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL answers are arbitrary JSON
  body: { data?: T | null } & Record<string, any>;
}

export interface GraphQLHttpClient {
  /** POSTs `body` (already JSON text) with `content-type: application/json` and the given headers. */
  post(body: string, headers?: Record<string, string>): Promise<GraphQLHttpResponse>;
  /** Closes the pooled connections. */
  close(): void;
}

export function graphqlHttpClient(url: string): GraphQLHttpClient {
  const secure = url.startsWith('https:');
  const agent = secure ? undefined : new Agent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  return {
    post: (body, headers = {}) =>
      new Promise((resolve, reject) => {
        const req = send(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: GraphQLHttpResponse['body'];
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = { raw: text };
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent?.destroy(),
  };
}
