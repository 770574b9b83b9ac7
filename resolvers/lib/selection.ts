/**
 * What a command's answer may look like, read from the resolver's `ctx.info.selectionSetGraphQL`
 * (issue 24, part 1). AppSync publishes a mutation's answer to every `onMarkEvent` subscriber under
 * the mutation's response keys, and evaluates the subscribers' filters on those keys
 * (aws-appsync-community issue 160): `{ mark: commandId }` would publish the caller's own text as
 * the event's `mark`, reaching another mark's subscribers with data nobody recorded. So the one
 * rule here, checked before anything is written (functions/authorizeCommand.ts), is that the
 * MarkEvent selection of a command names every field under its own name:
 * - no alias anywhere in it, inline fragments included (`mark: mark` too: the rule is about the
 *   syntax, so that it needs no knowledge of which alias would be harmless);
 * - no named fragment spread: AppSync gives the resolver the selection "formatted as GraphQL
 *   schema definition language (SDL). Although fragments aren't merged into the selection set,
 *   inline fragments are preserved" ("Resolver context object reference", info), and its example
 *   shows the spread `... postFrag` without the fragment's fields. What the resolver cannot read,
 *   it cannot check, so it is refused;
 * - no response key in ctx.info.selectionSetList that the text does not show as a field.
 * Directives (@skip, @include) and `__typename` pass: they drop fields or add the type's name, and
 * cannot make one field carry another's value.
 *
 * The text is read character by character, as lib/validation.ts reads marks (no regex literals, no
 * charCodeAt in APPSYNC_JS), in as little code as does it: AppSync holds each bundle to 32,768
 * characters, and the command resolvers' before step has no room left for it.
 */
import type { FieldProblem } from './errors';

/** Characters that end a word; each of them but blanks is a word of its own. */
const BREAKS = ' \t\n\r,{}:@$!=[]|&"';

/**
 * The aliases ("alias: field") and the named fragment spreads of a field's selection set as
 * selectionSetGraphQL prints it (`{ … }`). Only the text outside parentheses is read: they hold
 * arguments (here only @skip/@include's `if: …`, as no MarkEvent field takes any), where `:` is
 * not an alias. A `#` comment is read as text: an alias-like comment is refused, the safe side.
 * `...` before `on`, `@` or `{` is an inline fragment, before anything else a named spread.
 */
export function readSelection(selectionSetGraphQL: string | null | undefined): { aliases: string[]; spreads: string[]; words: string[] } {
  const kept: string[] = [];
  let parens = 0;
  for (const c of (selectionSetGraphQL ?? '').split('')) {
    if (c === '(') parens = parens + 1;
    if (parens === 0) kept.push(BREAKS.indexOf(c) >= 0 ? ` ${c} ` : c);
    if (c === ')') parens = parens - 1;
  }
  const words = kept.join('').split('...').join(' ... ').split(' ').filter((word) => word.trim() !== '' && word !== ',');
  const aliases: string[] = [];
  const spreads: string[] = [];
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (word === ':') aliases.push(`${words[i - 1]}: ${next}`);
    if (word === '...' && ['on', '@', '{'].indexOf(next) < 0) spreads.push(next);
  });
  return { aliases, spreads, words };
}

/**
 * Why a command's MarkEvent selection would publish something other than the event as recorded;
 * [] when it would not. With `selectionSetList` (every response key, fragments merged, "Resolver
 * context object reference"), a key the text does not show as a field is refused too: whatever
 * way a runtime has of leaving part of a selection out of the text, what it leaves out is not
 * checked, so it is not published.
 */
export function publishedSelectionProblems(selectionSetGraphQL: string | null | undefined, selectionSetList?: string[] | null): FieldProblem[] {
  const { aliases, spreads, words } = readSelection(selectionSetGraphQL);
  return aliases
    .map((alias) => `renames a field (${alias}): no alias may be used`)
    .concat(spreads.map((name) => `spreads fragment ${name}, unseen by the resolver: use an inline fragment`))
    .concat((selectionSetList ?? []).filter((key) => words.indexOf(key) < 0).map((key) => `answers ${key}, unseen by the resolver`))
    // at most 10: a document of 5,000 aliases gets a short error, not a long one
    .slice(0, 10)
    .map((reason) => ({ field: 'selectionSet', reason }));
}
