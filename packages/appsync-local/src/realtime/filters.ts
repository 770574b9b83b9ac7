/**
 * AppSync subscription filtering, in one place: argument filtering (the subscription's own
 * arguments) and enhanced filtering (the filter JSON a subscription resolver sets with
 * extensions.setSubscriptionFilter, usually built by util.transform.toSubscriptionFilter).
 *
 * Semantics follow AWS's pages "Defining enhanced subscriptions filters in AWS AppSync"
 * (https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-enhanced-filtering.html)
 * and "Extensions" (https://docs.aws.amazon.com/appsync/latest/devguide/extensions.html):
 *
 *   { "filterGroup": [ { "filters": [ { "fieldName", "operator", "value" }, ... ] }, ... ] }
 *
 * - the filters inside one group must all hold (AND); a payload is delivered when at least one
 *   group holds (OR);
 * - fieldName may name a nested field with dots ("address.postcode");
 * - operators: eq, ne, le, lt, ge, gt, contains, notContains, beginsWith, in, notIn, between,
 *   containsAny.
 *
 * When a subscription resolver sets a filter, that filter decides alone: argument filtering is
 * not applied on top of it (which is why AWS's examples restate the subscription's arguments in
 * the filter they build); a subscription without one is filtered by its arguments.
 *
 * A filter is checked once, when the subscription starts (compileSubscriptionFilter), so that a
 * malformed filter fails the start instead of silently dropping every later event.
 */

export type FilterOperator =
  | 'eq'
  | 'ne'
  | 'le'
  | 'lt'
  | 'ge'
  | 'gt'
  | 'contains'
  | 'notContains'
  | 'beginsWith'
  | 'in'
  | 'notIn'
  | 'between'
  | 'containsAny';

export const FILTER_OPERATORS: readonly FilterOperator[] = [
  'eq', 'ne', 'le', 'lt', 'ge', 'gt', 'contains', 'notContains', 'beginsWith', 'in', 'notIn', 'between', 'containsAny',
];

export interface FilterCondition {
  fieldName: string;
  operator: FilterOperator;
  value: unknown;
}

export interface SubscriptionFilterJson {
  filterGroup: Array<{ filters: FilterCondition[] }>;
}

/** A filter that passed validation: groups of conditions with their field paths split once. */
export interface CompiledFilter {
  groups: Array<Array<{ path: string[]; operator: FilterOperator; value: unknown }>>;
}

export class SubscriptionFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriptionFilterError';
  }
}

/** AppSync caps nested field paths at five levels. */
const MAX_FIELD_DEPTH = 5;

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function checkValue(operator: FilterOperator, value: unknown, where: string): void {
  switch (operator) {
    case 'eq':
    case 'ne':
      if (!isScalar(value) && value !== null) throw new SubscriptionFilterError(`${where}: '${operator}' needs a string, number, boolean or null value`);
      return;
    case 'le':
    case 'lt':
    case 'ge':
    case 'gt':
    case 'contains':
    case 'notContains':
      if (typeof value !== 'string' && typeof value !== 'number') throw new SubscriptionFilterError(`${where}: '${operator}' needs a string or number value`);
      return;
    case 'beginsWith':
      if (typeof value !== 'string') throw new SubscriptionFilterError(`${where}: 'beginsWith' needs a string value`);
      return;
    case 'in':
    case 'notIn':
    case 'containsAny':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' || typeof v === 'number')) {
        throw new SubscriptionFilterError(`${where}: '${operator}' needs a non-empty list of strings or numbers`);
      }
      return;
    case 'between':
      if (
        !Array.isArray(value) ||
        value.length !== 2 ||
        !((typeof value[0] === 'number' && typeof value[1] === 'number') || (typeof value[0] === 'string' && typeof value[1] === 'string'))
      ) {
        throw new SubscriptionFilterError(`${where}: 'between' needs a list of two numbers or two strings`);
      }
      return;
  }
}

/**
 * Validates filter JSON and prepares it for evaluation. Throws SubscriptionFilterError naming
 * the first problem. `undefined`/`null` mean "no enhanced filter" and compile to null.
 */
export function compileSubscriptionFilter(json: unknown): CompiledFilter | null {
  if (json === undefined || json === null) return null;
  if (typeof json !== 'object' || Array.isArray(json)) throw new SubscriptionFilterError('the subscription filter must be an object with a filterGroup list');
  const groups = (json as { filterGroup?: unknown }).filterGroup;
  if (!Array.isArray(groups) || groups.length === 0) throw new SubscriptionFilterError('the subscription filter needs a non-empty filterGroup list');
  return {
    groups: groups.map((group, g) => {
      const filters = (group as { filters?: unknown } | null)?.filters;
      if (!Array.isArray(filters) || filters.length === 0) throw new SubscriptionFilterError(`filterGroup[${g}] needs a non-empty filters list`);
      return filters.map((filter, f) => {
        const where = `filterGroup[${g}].filters[${f}]`;
        if (typeof filter !== 'object' || filter === null) throw new SubscriptionFilterError(`${where} must be an object`);
        const { fieldName, operator, value } = filter as Record<string, unknown>;
        if (typeof fieldName !== 'string' || fieldName === '') throw new SubscriptionFilterError(`${where}: fieldName must be a non-empty string`);
        const path = fieldName.split('.');
        if (path.length > MAX_FIELD_DEPTH || path.some((p) => p === '')) throw new SubscriptionFilterError(`${where}: fieldName '${fieldName}' is not a field path of at most ${MAX_FIELD_DEPTH} levels`);
        if (typeof operator !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(operator)) {
          throw new SubscriptionFilterError(`${where}: unknown operator '${String(operator)}'`);
        }
        checkValue(operator as FilterOperator, value, where);
        return { path, operator: operator as FilterOperator, value };
      });
    }),
  };
}

function valueAt(payload: unknown, path: string[]): unknown {
  let current: unknown = payload;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Ordering comparisons only between two numbers or two strings; anything else does not hold. */
function compare(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

function equal(a: unknown, b: unknown): boolean {
  // Absent and null are the same thing in a GraphQL payload.
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  return a === b;
}

function contains(field: unknown, value: unknown): boolean {
  if (typeof field === 'string' && (typeof value === 'string' || typeof value === 'number')) return field.includes(String(value));
  if (Array.isArray(field)) return field.some((item) => equal(item, value));
  return false;
}

export function evaluateCondition(operator: FilterOperator, field: unknown, value: unknown): boolean {
  switch (operator) {
    case 'eq':
      return equal(field, value);
    case 'ne':
      return !equal(field, value);
    case 'le': {
      const c = compare(field, value);
      return c !== null && c <= 0;
    }
    case 'lt': {
      const c = compare(field, value);
      return c !== null && c < 0;
    }
    case 'ge': {
      const c = compare(field, value);
      return c !== null && c >= 0;
    }
    case 'gt': {
      const c = compare(field, value);
      return c !== null && c > 0;
    }
    case 'contains':
      return contains(field, value);
    case 'notContains':
      return !contains(field, value);
    case 'beginsWith':
      return typeof field === 'string' && typeof value === 'string' && field.startsWith(value);
    case 'in':
      return Array.isArray(value) && value.some((v) => equal(field, v));
    case 'notIn':
      return Array.isArray(value) && !value.some((v) => equal(field, v));
    case 'between': {
      // Inclusive at both ends, as DynamoDB's BETWEEN and AppSync's filter both are.
      if (!Array.isArray(value)) return false;
      const lo = compare(field, value[0]);
      const hi = compare(field, value[1]);
      return lo !== null && hi !== null && lo >= 0 && hi <= 0;
    }
    case 'containsAny':
      return Array.isArray(field) && Array.isArray(value) && value.some((v) => field.some((item) => equal(item, v)));
  }
}

/** Whether a published payload passes an enhanced filter (null filter: always). */
export function matchesFilter(filter: CompiledFilter | null, payload: unknown): boolean {
  if (!filter) return true;
  return filter.groups.some((group) => group.every((c) => evaluateCondition(c.operator, valueAt(payload, c.path), c.value)));
}

/**
 * AppSync's argument filtering ("Using subscription arguments"): every argument the subscriber
 * gave a non-null value must equal the same-named top-level field of the mutation's result;
 * arguments left out or null match anything.
 */
export function matchesArguments(args: Record<string, unknown>, payload: unknown): boolean {
  for (const [name, expected] of Object.entries(args)) {
    if (expected === undefined || expected === null) continue;
    const actual = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>)[name] : undefined;
    if (!deepEqual(actual, expected)) return false;
  }
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}
