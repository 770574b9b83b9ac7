// Pipeline findSnapshotAt → loadReplay: a replay of bounded cost, one BatchGetItem by version, a Query first by time (lib/replay.ts).
export { getMarkAtRequest as request, getMarkAtResponse as response } from './handlers/queries';
