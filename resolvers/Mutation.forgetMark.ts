// Pipeline loadMark → loadCommandEvent → authorizeCommand → appendEvent → answerEvent (wiring.json); the rules live in lib/decide.ts.
export { request, response } from './handlers/command';
