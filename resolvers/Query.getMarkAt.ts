// Pipeline findVersionAt → loadReplay: a replay of bounded cost, one BatchGetItem by version (lib/replay.ts).
export { getMarkAtRequest as request, getMarkAtResponse as response } from './handlers/queries';
