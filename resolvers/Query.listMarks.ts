// Unit resolver on Marks: the byStatus index, or a Scan without tombstones.
export { listMarksRequest as request, listMarksResponse as response } from './handlers/queries';
