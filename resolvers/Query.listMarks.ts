// Pipeline listMarksPage → loadListedMarks: a page of byStatus (keys and LISTED_FIELDS) or of a Scan, and the views of an index page when more is asked for.
export { listMarksRequest as request, listMarksResponse as response } from './handlers/queries';
