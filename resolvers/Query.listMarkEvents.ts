// Pipeline loadMark → listEvents: the view says where a forgotten mark's surviving history starts.
export { listMarkEventsRequest as request, listMarkEventsResponse as response } from './handlers/queries';
