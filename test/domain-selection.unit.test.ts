/**
 * The rule of resolvers/lib/selection.ts (issue 24, part 1): a command's MarkEvent selection, as
 * AppSync gives it in ctx.info.selectionSetGraphQL, names every field under its own name and shows
 * every field it selects. The examples are the attacks of the issue and their variants; the
 * property checks the reading against graphql-js's own parse for a class of selections: aliases
 * at every depth of inline fragments, named spreads, directives and __typename, printed in the
 * forms a runtime may print them.
 */
import fc from 'fast-check';
import { Kind, parse, print, visit, type SelectionSetNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { publishedSelectionProblems, readSelection } from '../resolvers/lib/selection';

const reasons = (text: string) => publishedSelectionProblems(text).map((p) => p.reason);

describe('a command selection', () => {
  it('passes when every field is under its own name', () => {
    expect(publishedSelectionProblems('{\n  mark\n  version\n  type\n  ownership\n  recordedAt\n  data\n  personalData\n}')).toEqual([]);
    expect(publishedSelectionProblems('{ mark version, type }')).toEqual([]);
  });

  it('refuses the aliasing command of the issue, naming the alias, and every other alias', () => {
    // mutation { lockMark(...) { mark: commandId  ownership: version  type version } }
    expect(reasons('{\n  mark: commandId\n  ownership: version\n  type\n  version\n}')).toEqual([
      'renames a field (mark: commandId): no alias may be used',
      'renames a field (ownership: version): no alias may be used',
    ]);
    expect(publishedSelectionProblems('{ mark: __typename version }')).toHaveLength(1);
    expect(publishedSelectionProblems('{ mark:mark }')).toHaveLength(1); // harmless, refused all the same: the rule is syntactic
    expect(publishedSelectionProblems('{ type data: personalData }')).toEqual([{ field: 'selectionSet', reason: 'renames a field (data: personalData): no alias may be used' }]);
  });

  it('refuses an alias inside inline fragments, at any depth, with or without a type condition or directive', () => {
    for (const text of [
      '{\n  version\n  ... on MarkEvent {\n    mark: commandId\n  }\n}',
      '{ ... { ... on MarkEvent { ... @include(if: true) { mark: commandId } } } }',
      '{ ... on MarkEvent @skip(if: false) { type mark: data } }',
    ]) {
      expect(readSelection(text).aliases, text).toEqual([expect.stringMatching(/^mark: (commandId|data)$/)]);
    }
  });

  it('refuses a named fragment spread: AppSync shows the resolver the spread, not the fragment', () => {
    // "Resolver context object reference", info: fragments aren't merged into selectionSetGraphQL
    expect(reasons('{\n  version\n  ...Forged\n}')).toEqual(['spreads fragment Forged, unseen by the resolver: use an inline fragment']);
    expect(readSelection('{ version ... Forged }').spreads).toEqual(['Forged']); // AppSync's documented example prints "... postFrag"
    expect(readSelection('{ version ...Forged@include(if: true) ... on MarkEvent { ...Inner } }').spreads).toEqual(['Forged', 'Inner']);
  });

  it('lets directives and __typename through: they drop fields or name the type, never rename one', () => {
    expect(publishedSelectionProblems('{ mark @skip(if: $quiet) version @include(if: true) type __typename }')).toEqual([]);
    expect(publishedSelectionProblems('{ mark @include(if: $withMark) ... on MarkEvent @include(if: $more) { type } }')).toEqual([]);
  });

  it('reads a colon in a comment as an alias (the safe side) and one in arguments as none', () => {
    expect(publishedSelectionProblems('{ mark # note: this\n version }')).toHaveLength(1);
    expect(publishedSelectionProblems('{ mark @skip(if: false) }')).toEqual([]);
  });

  it('reads "" (no selection) as nothing to refuse, and lists at most a few problems of a huge selection', () => {
    expect(publishedSelectionProblems('')).toEqual([]);
    const huge = `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: mark`).join(' ')} }`;
    expect(publishedSelectionProblems(huge)).toHaveLength(10);
  });
});

/** A random MarkEvent selection: fields with or without alias and directive, inline fragments, named spreads. */
const FIELDS = ['mark', 'version', 'type', 'recordedAt', 'eventTime', 'commandId', 'data', 'personalData', 'ownership', '__typename'];
const DIRECTIVES = ['', ' @skip(if: false)', ' @include(if: $flag)', ' @include(if: true) @skip(if: $other)'];
const field = fc.record({ name: fc.constantFrom(...FIELDS), alias: fc.option(fc.constantFrom('mark', 'ownership', 'x', 'type_2'), { nil: undefined }), directive: fc.constantFrom(...DIRECTIVES) });
const { selection } = fc.letrec<{ selection: string; item: string }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    field.map((f) => `${f.alias ? `${f.alias}: ` : ''}${f.name}${f.directive}`),
    fc.constantFrom('...F', '...Other @include(if: true)'),
    fc.tuple(fc.constantFrom('... on MarkEvent', '...', '... @include(if: true)'), tie('selection')).map(([head, set]) => `${head} ${set}`),
  ),
  selection: fc.array(tie('item'), { minLength: 1, maxLength: 5 }).map((items) => `{ ${items.join(' ')} }`),
}));

/** What graphql-js's parse finds in the selection: aliases as "alias: name", named spreads in document order. */
function parsed(text: string): { aliases: string[]; spreads: string[] } {
  const document = parse(`query ($flag: Boolean, $other: Boolean) { e ${text} } fragment F on MarkEvent { mark } fragment Other on MarkEvent { type }`);
  const found = { aliases: [] as string[], spreads: [] as string[] };
  const operation = document.definitions[0];
  if (operation.kind !== Kind.OPERATION_DEFINITION) throw new Error('not an operation');
  const root = operation.selectionSet.selections[0];
  if (root.kind !== Kind.FIELD || !root.selectionSet) throw new Error('no selection');
  visit(root.selectionSet, {
    Field: (node) => void (node.alias && found.aliases.push(`${node.alias.value}: ${node.name.value}`)),
    FragmentSpread: (node) => void found.spreads.push(node.name.value),
  });
  return found;
}

describe('reading a selection', () => {
  it('finds exactly the aliases and named spreads graphql-js finds, however the set is printed', () => {
    fc.assert(
      fc.property(selection, (text) => {
        const expected = parsed(text);
        const set = (parse(`{ e ${text} }`).definitions[0] as { selectionSet: SelectionSetNode }).selectionSet.selections[0] as { selectionSet: SelectionSetNode };
        // graphql-js's print (the local runtime), one line with commas, and AppSync's "... postFrag"
        for (const printed of [print(set.selectionSet), text.replace(/ /g, ' , '), print(set.selectionSet).replace(/\.\.\.(?=[A-Za-z_])/g, '... ')]) {
          const reading = readSelection(printed);
          expect(reading.aliases, printed).toEqual(expected.aliases);
          expect(reading.spreads, printed).toEqual(expected.spreads);
          expect(publishedSelectionProblems(printed).length === 0, printed).toBe(expected.aliases.length + expected.spreads.length === 0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('a command selection against selectionSetList', () => {
  it('refuses a response key the text does not show as a field: what is not shown is not checked', () => {
    // e.g. a runtime that printed one of two merged nodes of the mutation field
    expect(publishedSelectionProblems('{ version type }', ['version', 'type', 'mark'])).toEqual([{ field: 'selectionSet', reason: 'answers mark, unseen by the resolver' }]);
    expect(publishedSelectionProblems('{ version ... on MarkEvent { mark } }', ['version', 'mark'])).toEqual([]);
    expect(publishedSelectionProblems('{ version ...F }', ['version', 'mark'])).toHaveLength(2);
  });
});
