// Pipeline listMarksPage → loadListedMarks on byOwner: the caller's own marks (or, for staff, a named purchaser's), paged.
export { listMyMarksRequest as request, listMarksResponse as response } from './handlers/queries';
