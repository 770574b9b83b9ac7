// Unit resolver on Marks: GetItem of the view.
export { getMarkRequest as request, getMarkResponse as response } from './handlers/queries';
