/**
 * A document's cost, capped before the expensive steps (issue 24, part 4). The parse cache hides a
 * document's cost only when its text repeats: with new text each time, a 17 KB document of 600
 * identical fields held the event loop for a second in graphql-js's OverlappingFieldsCanBeMerged
 * rule (quadratic in the fields sharing a response name), 5,000 aliases, 10,000 variable
 * definitions or 20,000 directives for hundreds of milliseconds. Here every document is held to
 * DOCUMENT_LIMITS in one bounded pass — its length, graphql-js's parse stopped at maxTokens, then
 * one walk of the tree that stops at the first limit passed — before validation runs. A refused
 * document costs at most that pass, whatever its text; the refusal is one request error in
 * AppSync's shape. The HTTP endpoint (execute.ts) and the real-time endpoint's `start` use this one
 * function, so both refuse alike.
 *
 * Which limits are AppSync's and which are this package's own is in the package README ("Document
 * limits"). AppSync runs graphql-java, whose parser refuses a document of more than 1 MB or 15,000
 * tokens by default (https://graphql-java.com/documentation/limits); the others are local
 * safeguards, set well above what an application's documents select and well below what holds the
 * event loop.
 */
import { GraphQLError, Kind, parse, type ASTNode, type DocumentNode, type SelectionSetNode } from 'graphql';
import { requestError, type AppSyncError } from './errors';

export interface DocumentLimits {
  /** characters of the document's text (graphql-java's parser: 1 MB) */
  maxCharacters: number;
  /** lexical tokens, punctuation included (graphql-java's parser: 15,000) */
  maxTokens: number;
  /** aliased fields in the document, fragments counted once */
  maxAliases: number;
  /** variable definitions across the document's operations */
  maxVariableDefinitions: number;
  /** directives anywhere in the document */
  maxDirectives: number;
  /**
   * Σ n(n-1)/2 over the document's response paths, n the fields selected at that path (fragments
   * counted once): the pairs graphql-js's OverlappingFieldsCanBeMerged compares. Distinct response
   * keys cost nothing; 100 fields under one key cost 4,950, and their subfields as many again.
   */
  maxOverlappingFieldPairs: number;
}

export const DOCUMENT_LIMITS: DocumentLimits = {
  maxCharacters: 1024 * 1024,
  maxTokens: 15_000,
  maxAliases: 1_000,
  maxVariableDefinitions: 200,
  maxDirectives: 200,
  maxOverlappingFieldPairs: 2_000,
};

/** The error a parsed document past a limit gets (HTTP 200 with data null, or a real-time `error`). */
export const documentTooLarge = (what: string, limit: number): AppSyncError =>
  requestError(`Validation error of type QueryTooLarge: the document has more than ${limit} ${what}`);

/**
 * The document; or the syntax error that stops it, past the length and token limits too (as
 * graphql-java's parser cancels such a document, an InvalidSyntax error: the endpoint answers it as
 * any document it cannot parse); or the refusal of a parsed document past another limit.
 */
export type LimitedParse = { ok: true; document: DocumentNode } | { ok: false; syntax: GraphQLError } | { ok: false; refused: AppSyncError };

/** Parses `text` within the limits. */
export function parseWithinLimits(text: string, limits: DocumentLimits = DOCUMENT_LIMITS): LimitedParse {
  if (text.length > limits.maxCharacters) {
    return { ok: false, syntax: new GraphQLError(`Syntax Error: Document contains more than ${limits.maxCharacters} characters. Parsing aborted.`) };
  }
  let document: DocumentNode;
  try {
    // graphql-js stops lexing at maxTokens: "Document contains more than N tokens. Parsing aborted."
    document = parse(text, { maxTokens: limits.maxTokens });
  } catch (error) {
    return { ok: false, syntax: error instanceof GraphQLError ? error : new GraphQLError(`Syntax Error: ${(error as Error).message}`) };
  }
  const refused = documentCostRefusal(document, limits);
  return refused ? { ok: false, refused } : { ok: true, document };
}

/** The first limit a parsed document passes, in one walk that stops there; null within them all. */
export function documentCostRefusal(document: DocumentNode, limits: DocumentLimits = DOCUMENT_LIMITS): AppSyncError | null {
  let aliases = 0;
  let variables = 0;
  let directives = 0;
  let pairs = 0;
  /** fields selected at each response path: "<parent path id>/<response key>" → [path id, count] */
  const paths = new Map<string, [number, number]>();
  let nextPath = 0;
  const stack: Array<[SelectionSetNode, number]> = [];
  const countDirectives = (node: { directives?: readonly ASTNode[] }) => (directives += node.directives?.length ?? 0);

  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      variables += definition.variableDefinitions?.length ?? 0;
      for (const variable of definition.variableDefinitions ?? []) countDirectives(variable);
    }
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
      countDirectives(definition);
      stack.push([definition.selectionSet, nextPath++]);
    }
  }
  if (variables > limits.maxVariableDefinitions) return documentTooLarge('variable definitions', limits.maxVariableDefinitions);

  while (stack.length) {
    const [set, parent] = stack.pop()!;
    for (const selection of set.selections) {
      countDirectives(selection);
      if (selection.kind === Kind.FRAGMENT_SPREAD) continue;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        // its fields merge with its parent's: the same response path
        stack.push([selection.selectionSet, parent]);
        continue;
      }
      if (selection.alias) aliases++;
      const key = `${parent}/${selection.alias?.value ?? selection.name.value}`;
      let path = paths.get(key);
      if (!path) paths.set(key, (path = [nextPath++, 0]));
      // n(n-1)/2 grows by n when a path's n grows by one
      pairs += path[1];
      path[1]++;
      if (selection.selectionSet) stack.push([selection.selectionSet, path[0]]);
    }
    if (aliases > limits.maxAliases) return documentTooLarge('aliases', limits.maxAliases);
    if (directives > limits.maxDirectives) return documentTooLarge('directives', limits.maxDirectives);
    if (pairs > limits.maxOverlappingFieldPairs) return documentTooLarge('pairs of fields sharing a response name', limits.maxOverlappingFieldPairs);
  }
  return null;
}
