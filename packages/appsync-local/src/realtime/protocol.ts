/**
 * Messages of AppSync's real-time protocol (subprotocol `graphql-ws`), as described on AWS's page
 * "Building a real-time WebSocket client in AWS AppSync"
 * (https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html), and the
 * exact error shapes AppSync sends, which clients such as aws-amplify branch on.
 */

export const REALTIME_PATH = '/graphql/realtime';
export const SUBPROTOCOL = 'graphql-ws';

/** An error entry inside `payload.errors` of an `error` or `connection_error` message. */
export interface RealtimeError {
  message: string;
  errorType?: string;
  errorCode?: number;
  data?: unknown;
  errorInfo?: unknown;
  locations?: Array<{ line: number; column: number; sourceName: string | null }>;
  path?: Array<string | number> | null;
}

export type ServerMessage =
  | { type: 'connection_ack'; payload: { connectionTimeoutMs: number } }
  | { type: 'connection_error'; payload: { errors: RealtimeError[] } }
  | { type: 'ka' }
  | { type: 'start_ack'; id: string }
  | { type: 'data'; id: string; payload: { data: Record<string, unknown> } }
  | { type: 'error'; id?: string; payload: { errors: RealtimeError[] } }
  | { type: 'complete'; id: string };

/**
 * What AppSync answers a connection whose credentials it refuses. aws-amplify treats errorCode
 * 400/401/403 as final and stops retrying.
 */
export const CONNECTION_UNAUTHORIZED: RealtimeError = {
  errorType: 'com.amazonaws.deepdish.graphql.auth#UnauthorizedException',
  message: 'You are not authorized to make this call.',
  errorCode: 400,
};

/** What AppSync answers a `start` whose authorization it refuses. */
export const START_UNAUTHORIZED: RealtimeError = {
  errorType: 'UnauthorizedException',
  message: 'You are not authorized to make this call.',
};

/** AppSync's answer to a message whose type it does not know (or cannot read at all). */
export function unsupportedOperation(type: string): RealtimeError {
  return { errorType: 'UnsupportedOperation', message: `${type} not supported through the realtime channel` };
}
