/**
 * The GraphQL client of the benchmarks and of the reliability suite's attacker: POST over HTTP
 * with a keep-alive agent, as a real client would (one socket per request in flight, up to
 * maxSockets). Resolves the parsed body; rejects on a non-200 answer or, with `gql`, on any
 * GraphQL error.
 */
import { Agent, request } from 'node:http';

export interface GraphQLAnswer<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; errorType?: string }[];
}

export interface GraphQLClient {
  /** the request; rejects on HTTP errors and on GraphQL errors */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** the request; resolves with the whole answer, errors included */
  raw<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer<T>>;
  /** a request body sent as it is (for bodies JSON.stringify cannot write); resolves with the whole answer */
  post<T = Record<string, unknown>>(body: string): Promise<GraphQLAnswer<T>>;
  close(): void;
}

/** credentials: an API key, or the headers of another mode (e.g. { authorization: <staff token> }) */
export function graphqlClient(graphqlUrl: string, credentials: string | Record<string, string>, maxSockets = 16): GraphQLClient {
  const auth = typeof credentials === 'string' ? { 'x-api-key': credentials } : credentials;
  const agent = new Agent({ keepAlive: true, maxSockets });
  const url = new URL(graphqlUrl);
  const post = <T>(body: string) =>
    new Promise<GraphQLAnswer<T>>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...auth },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new Error(`endpoint answered ${res.statusCode}: ${text}`));
            try {
              resolve(JSON.parse(text) as GraphQLAnswer<T>);
            } catch {
              reject(new Error(`endpoint answered with something that is not JSON: ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const raw = <T>(query: string, variables: Record<string, unknown> = {}) => post<T>(JSON.stringify({ query, variables }));
  return {
    raw,
    post,
    async gql<T>(query: string, variables?: Record<string, unknown>) {
      const answer = await raw<T>(query, variables);
      if (answer.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
      return answer.data as T;
    },
    close: () => agent.destroy(),
  };
}
