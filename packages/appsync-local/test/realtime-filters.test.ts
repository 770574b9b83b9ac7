/**
 * Subscription filtering, as AppSync defines it:
 * - enhanced filters: "Defining enhanced subscriptions filters in AWS AppSync"
 *   https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-enhanced-filtering.html
 *   and the filterJsonObject of "Extensions"
 *   https://docs.aws.amazon.com/appsync/latest/devguide/extensions.html
 *   (filters in a group AND, groups OR; operators eq … containsAny; dotted field paths);
 * - argument filtering: "Using subscription arguments" in
 *   https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html
 * - the payload shaping rule (subscribers get what the mutation selected, null otherwise), same page.
 */
import { describe, expect, it } from 'vitest';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import {
  compileSubscriptionFilter,
  evaluateCondition,
  matchesArguments,
  matchesFilter,
  SubscriptionFilterError,
  type FilterOperator,
} from '../src/realtime/filters';
import { project } from '../src/realtime/selection';

const event = {
  mark: 'AFC F5',
  version: 3,
  type: 'MARK_LOCKED',
  price: 250.5,
  tags: ['gold', 'short'],
  purchaser: { address: { postcode: 'SW1A 1AA' } },
  eventTime: null,
};

function filter(...groups: Array<Array<[string, FilterOperator, unknown]>>) {
  return compileSubscriptionFilter({
    filterGroup: groups.map((filters) => ({ filters: filters.map(([fieldName, operator, value]) => ({ fieldName, operator, value })) })),
  });
}

describe('enhanced filter operators', () => {
  const cases: Array<[string, FilterOperator, unknown, boolean]> = [
    ['mark', 'eq', 'AFC F5', true],
    ['mark', 'eq', 'AFC F6', false],
    ['version', 'eq', 3, true],
    ['eventTime', 'eq', null, true],
    ['mark', 'ne', 'AFC F6', true],
    ['mark', 'ne', 'AFC F5', false],
    ['version', 'le', 3, true],
    ['version', 'le', 2, false],
    ['version', 'lt', 4, true],
    ['version', 'lt', 3, false],
    ['version', 'ge', 3, true],
    ['version', 'ge', 4, false],
    ['version', 'gt', 2, true],
    ['version', 'gt', 3, false],
    ['mark', 'gt', 'AFC F4', true], // strings compare lexically
    ['version', 'gt', '2', false], // a number never orders against a string
    ['mark', 'contains', 'C F', true],
    ['mark', 'contains', 'ZZ', false],
    ['tags', 'contains', 'gold', true], // "value in a set"
    ['tags', 'contains', 'silver', false],
    ['mark', 'notContains', 'ZZ', true],
    ['tags', 'notContains', 'gold', false],
    ['mark', 'beginsWith', 'AFC', true],
    ['mark', 'beginsWith', 'FC', false],
    ['type', 'in', ['MARK_LOCKED', 'MARK_UNLOCKED'], true],
    ['type', 'in', ['MARK_RELEASED'], false],
    ['type', 'notIn', ['MARK_RELEASED'], true],
    ['type', 'notIn', ['MARK_LOCKED'], false],
    ['version', 'between', [3, 5], true], // inclusive
    ['version', 'between', [1, 3], true],
    ['version', 'between', [4, 9], false],
    ['price', 'between', [250, 251], true],
    ['mark', 'between', ['AFC A', 'AFC Z'], true],
    ['tags', 'containsAny', ['silver', 'short'], true],
    ['tags', 'containsAny', ['silver', 'bronze'], false],
    ['purchaser.address.postcode', 'beginsWith', 'SW1A', true], // nested field path
    ['purchaser.address.postcode', 'eq', 'E1 6AN', false],
    ['missing.field', 'eq', 'x', false],
    ['missing', 'ne', 'x', true],
  ];
  it.each(cases)('%s %s %j → %s', (fieldName, operator, value, expected) => {
    expect(matchesFilter(filter([[fieldName, operator, value]]), event)).toBe(expected);
  });

  it('evaluates single conditions directly too', () => {
    expect(evaluateCondition('eq', 1, 1)).toBe(true);
    expect(evaluateCondition('contains', 12345, 3)).toBe(false); // contains reads strings and lists only
  });
});

describe('groups and filters', () => {
  it('ANDs the filters of one group', () => {
    expect(matchesFilter(filter([['mark', 'eq', 'AFC F5'], ['type', 'eq', 'MARK_LOCKED']]), event)).toBe(true);
    expect(matchesFilter(filter([['mark', 'eq', 'AFC F5'], ['type', 'eq', 'MARK_RELEASED']]), event)).toBe(false);
  });

  it('ORs the groups', () => {
    expect(matchesFilter(filter([['mark', 'eq', 'XX 1']], [['type', 'eq', 'MARK_LOCKED']]), event)).toBe(true);
    expect(matchesFilter(filter([['mark', 'eq', 'XX 1']], [['type', 'eq', 'MARK_RELEASED']]), event)).toBe(false);
  });

  it('lets everything through without a filter', () => {
    expect(compileSubscriptionFilter(undefined)).toBeNull();
    expect(compileSubscriptionFilter(null)).toBeNull();
    expect(matchesFilter(null, event)).toBe(true);
  });

  it('reads the output of util.transform.toSubscriptionFilter for this API', () => {
    // What the onMarkEvent resolver produces for { mark: { eq }, type: { eq } }.
    const json = {
      filterGroup: [
        {
          filters: [
            { fieldName: 'mark', operator: 'eq', value: 'AFC F5' },
            { fieldName: 'type', operator: 'eq', value: 'MARK_LOCKED' },
          ],
        },
      ],
    };
    expect(matchesFilter(compileSubscriptionFilter(json), event)).toBe(true);
    expect(matchesFilter(compileSubscriptionFilter(json), { ...event, mark: 'AFC F6' })).toBe(false);
  });
});

describe('filter validation at subscribe time', () => {
  const bad: Array<[string, unknown]> = [
    ['not an object', 'eq'],
    ['no filterGroup', {}],
    ['empty filterGroup', { filterGroup: [] }],
    ['group without filters', { filterGroup: [{}] }],
    ['empty filters', { filterGroup: [{ filters: [] }] }],
    ['unknown operator', { filterGroup: [{ filters: [{ fieldName: 'a', operator: 'like', value: 'x' }] }] }],
    ['missing fieldName', { filterGroup: [{ filters: [{ operator: 'eq', value: 'x' }] }] }],
    ['too deep a path', { filterGroup: [{ filters: [{ fieldName: 'a.b.c.d.e.f', operator: 'eq', value: 1 }] }] }],
    ['in without a list', { filterGroup: [{ filters: [{ fieldName: 'a', operator: 'in', value: 'x' }] }] }],
    ['between with one bound', { filterGroup: [{ filters: [{ fieldName: 'a', operator: 'between', value: [1] }] }] }],
    ['between mixing types', { filterGroup: [{ filters: [{ fieldName: 'a', operator: 'between', value: [1, 'z'] }] }] }],
    ['beginsWith a number', { filterGroup: [{ filters: [{ fieldName: 'a', operator: 'beginsWith', value: 1 }] }] }],
    ['gt an object', { filterGroup: [{ filters: [{ fieldName: 'a', operator: 'gt', value: {} }] }] }],
  ];
  it.each(bad)('refuses %s', (_label, json) => {
    expect(() => compileSubscriptionFilter(json)).toThrow(SubscriptionFilterError);
  });
});

describe('argument filtering', () => {
  it('requires every non-null argument to equal the same-named field', () => {
    expect(matchesArguments({ mark: 'AFC F5' }, event)).toBe(true);
    expect(matchesArguments({ mark: 'AFC F5', type: 'MARK_LOCKED' }, event)).toBe(true);
    expect(matchesArguments({ mark: 'AFC F5', type: 'MARK_RELEASED' }, event)).toBe(false);
    expect(matchesArguments({ mark: 'AFC F6' }, event)).toBe(false);
  });

  it('ignores arguments left out or null', () => {
    expect(matchesArguments({}, event)).toBe(true);
    expect(matchesArguments({ mark: null, type: undefined }, event)).toBe(true);
  });

  it('does not match a field the mutation did not select', () => {
    expect(matchesArguments({ mark: 'AFC F5' }, { version: 3 })).toBe(false);
  });
});

describe('payload shaping', () => {
  const schema = buildSchema(`
    type Query { x: Int }
    type Event { mark: ID! version: Int! type: String detail: Detail }
    type Detail { a: Int b: Int }
    type Mutation { lock(mark: ID!): Event }
    type Subscription { on(mark: ID): Event }
  `);
  const selectionOf = (query: string) => {
    const doc = parse(query);
    const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    const fragments = Object.fromEntries(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [(d as { name: { value: string } }).name.value, d]));
    const field = op.selectionSet.selections[0] as unknown as { selectionSet: never };
    return { selectionSet: field.selectionSet, fragments: fragments as never };
  };
  const eventType = schema.getType('Event') as never;

  it('gives subscribers the mutation-selected fields and null for the rest', () => {
    const s = selectionOf('subscription { on { mark version type __typename } }');
    expect(project(schema, { mark: 'A', version: 2 }, eventType, s.selectionSet, s.fragments)).toEqual({ mark: 'A', version: 2, type: null, __typename: 'Event' });
  });

  // AppSync hands subscribers the mutation's response under the mutation's response keys: a
  // field the mutation selected only under an alias reaches them as null
  // (aws/aws-appsync-community#160), whatever the subscriber's own aliases and fragments.
  it('answers a field the mutation selected only under an alias as null, in the subscriber’s own shape', () => {
    const delivered = { m: 'A', version: 2, detail: { x: 1, b: 2 } };
    const s = selectionOf('subscription { on { id: mark ...F detail { a b } } } fragment F on Event { version }');
    expect(project(schema, delivered, eventType, s.selectionSet, s.fragments)).toEqual({ id: null, version: 2, detail: { a: null, b: 2 } });
  });
});
