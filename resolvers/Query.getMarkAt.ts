// Pipeline loadMark → findVersionAt → loadSnapshot → loadEventRange: a replay of bounded cost (lib/replay.ts).
export { getMarkAtRequest as request, getMarkAtResponse as response } from './handlers/queries';
