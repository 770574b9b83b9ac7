export { createRealtimeServer, connectionAuthHeader, decodeAuthHeader, subscribedMutations } from './server';
export type { MutationResult, RealtimeServer, RealtimeServerOptions } from './server';
export { REALTIME_PATH, SUBPROTOCOL } from './protocol';
export type { RealtimeError, ServerMessage } from './protocol';
export {
  compileSubscriptionFilter,
  evaluateCondition,
  matchesArguments,
  matchesFilter,
  SubscriptionFilterError,
  FILTER_OPERATORS,
} from './filters';
export type { CompiledFilter, FilterCondition, FilterOperator, SubscriptionFilterJson } from './filters';
export { attachRealtime } from './attach';
export type { AttachRealtimeOptions } from './attach';
export { connectRealtime, authHeader } from './client';
export type { RealtimeClient, RealtimeClientOptions, AnyServerMessage } from './client';
