/**
 * Plugs the real-time endpoint into the local AppSync endpoint (server/): same schema,
 * same APPSYNC_JS runtime, same authorization modes, same port (ws:// and wss://), and every committed
 * mutation result published to the subscribers.
 */
import type { ApiServer } from '../server';
import { createRealtimeServer, type RealtimeServer, type RealtimeServerOptions } from './server';

export type AttachRealtimeOptions = Pick<
  RealtimeServerOptions,
  'keepAliveIntervalMs' | 'connectionTimeoutMs' | 'connectionInitTimeoutMs' | 'maxBufferedBytes' | 'startBurst' | 'startsPerSecond' | 'connectionsPerSource'
>;

export function attachRealtime(api: ApiServer, options: AttachRealtimeOptions = {}): RealtimeServer {
  const realtime = createRealtimeServer({
    ...options,
    schema: api.schema,
    runtime: api.runtime,
    apiKey: api.apiKey,
    // the HTTP endpoint's limits, so that a subscription is held to what a query is
    queryDepthLimit: api.limits.queryDepthLimit,
    introspection: api.limits.introspection,
    // the HTTP endpoint's document cache, limits and validation: a start costs what a query costs
    prepare: api.prepareDocument,
    // the HTTP endpoint's modes and directive rules, so both endpoints refuse alike
    authenticate: (request) => api.authenticator.authenticate(request),
    access: api.access,
  });
  const detachUpgrade = api.attachUpgrade((request, socket, head) => {
    if (!realtime.handleUpgrade(request, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  const detachListener = api.addMutationListener((event) => {
    realtime.publish(event);
  });
  return {
    ...realtime,
    async close() {
      detachUpgrade();
      detachListener();
      await realtime.close();
    },
  };
}
