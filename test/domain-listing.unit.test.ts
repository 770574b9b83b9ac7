import { describe, expect, it } from 'vitest';
import { answeredByIndex } from '../resolvers/lib/listing';

// What AppSync gives a resolver for `listMarks(status:) { items { ... } }` ("Resolver context object
// reference", info): selectionSetList names an aliased field by its alias and lists the fields of
// fragments; selectionSetGraphQL keeps the text as written, a named spread as `...Name` only.
describe('answeredByIndex: may listMarks answer a page from the byStatus index alone', () => {
  it('yes for the index fields, inline fragments and __typename', () => {
    expect(answeredByIndex(['items', 'items/mark', 'items/status', 'items/price'], '{\n  items {\n    mark\n    status\n    price\n  }\n}')).toBe(true);
    expect(answeredByIndex(['items', 'items/mark', 'items/__typename'], '{\n  items {\n    ... on Mark {\n      mark\n    }\n    __typename\n  }\n}')).toBe(true);
  });

  it('no for a field the index does not hold', () => {
    expect(answeredByIndex(['items', 'items/mark', 'items/updatedAt'], '{\n  items {\n    mark\n    updatedAt\n  }\n}')).toBe(false);
  });

  it('no for an alias that names an index field but selects another, in line or inside an inline fragment', () => {
    expect(answeredByIndex(['items', 'items/status'], '{\n  items {\n    status: updatedAt\n  }\n}')).toBe(false);
    expect(answeredByIndex(['items', 'items/status'], '{\n  items {\n    ... on Mark {\n      status: updatedAt\n    }\n  }\n}')).toBe(false);
  });

  it('no for a named fragment spread, whose fields (and aliases) the text does not show', () => {
    // fragment F on Mark { status: updatedAt }: the list says "status", the text only "...F"
    expect(answeredByIndex(['items', 'items/status'], '{\n  items {\n    ...F\n  }\n}')).toBe(false);
  });
});
