/**
 * Query validation with AppSync's wording. AppSync runs graphql-java, whose messages read
 * "Validation error of type FieldUndefined: Field 'badfield' in type 'Query' is undefined @ 'badfield'"
 * (https://github.com/graphql/graphql-over-http/issues/81). graphql-js finds the same problems;
 * this module rewrites its messages into graphql-java's for the common kinds and keeps the rest
 * under "Validation error of type <kind>: ".
 */
import {
  getNamedType,
  isIntrospectionType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type SelectionSetNode,
  validate,
} from 'graphql';
import { literalDescription } from './scalars';
import { locationsOf, requestError, type AppSyncError } from './errors';
import { collectFields, subSelections, type Fragments } from './selection';

interface Place {
  /** response keys from the operation (or fragment) root down to the node, "a/b/c" */
  fieldPath: string;
  /** for a value inside an argument: "input.createdAt" */
  argumentPath?: string;
}

function places(document: DocumentNode): Map<ASTNode, Place> {
  const out = new Map<ASTNode, Place>();
  const fields: string[] = [];
  const args: string[] = [];
  visit(document, {
    enter(node) {
      if (node.kind === Kind.FIELD) fields.push(node.alias?.value ?? node.name.value);
      if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) args.push(node.name.value);
      out.set(node, { fieldPath: fields.join('/'), argumentPath: args.length ? args.join('.') : undefined });
    },
    leave(node) {
      if (node.kind === Kind.FIELD) fields.pop();
      if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) args.pop();
    },
  });
  return out;
}

type Rewrite = (match: RegExpExecArray, place: Place | undefined, node: ASTNode | undefined) => string;

const rewrites: Array<[RegExp, string, Rewrite]> = [
  [/^Cannot query field "(\w+)" on type "(\w+)"\./, 'FieldUndefined', (m, p) => `Field '${m[1]}' in type '${m[2]}' is undefined @ '${p?.fieldPath ?? m[1]}'`],
  [/^Unknown argument "(\w+)" on field "[\w.]+"\./, 'UnknownArgument', (m, p) => `Unknown field argument ${m[1]} @ '${p?.fieldPath ?? ''}'`],
  [/^Field "(\w+)" argument "(\w+)" of type "[^"]+" is required, but it was not provided\./, 'MissingFieldArgument', (m, p) => `Missing field argument ${m[2]} @ '${p?.fieldPath ?? m[1]}'`],
  [/^Field "(\w+)" of type "([^"]+)" must have a selection of subfields\./, 'SubSelectionRequired', (m, p) => `Sub selection required for type ${m[2].replace(/[[\]!]/g, '')} of field ${m[1]} @ '${p?.fieldPath ?? m[1]}'`],
  [/^Field "(\w+)" must not have a selection since type "([^"]+)" has no subfields\./, 'SubSelectionNotAllowed', (m, p) => `Sub selection not allowed on leaf type ${m[2].replace(/[[\]!]/g, '')} of field ${m[1]} @ '${p?.fieldPath ?? m[1]}'`],
  [/^Unknown type "(\w+)"\./, 'UnknownType', (m) => `Unknown type ${m[1]}`],
  [/^Variable "\$(\w+)" is not defined/, 'UndefinedVariable', (m, p) => `Undefined variable ${m[1]} @ '${p?.fieldPath ?? ''}'`],
  [/^Variable "\$(\w+)" is never used/, 'UnusedVariable', (m) => `Unused variable ${m[1]}`],
  [/^Variable "\$\w+" of type "([^"]+)" used in position expecting type "([^"]+)"\./, 'VariableTypeMismatch', (m, p) => `Variable type '${m[1]}' doesn't match expected type '${m[2]}' @ '${p?.fieldPath ?? ''}'`],
  [/^Unknown directive "@(\w+)"\./, 'UnknownDirective', (m, p) => `Unknown directive ${m[1]} @ '${p?.fieldPath ?? ''}'`],
  [/^Expected value of type "([^"]+)", found/, 'WrongType', (m, p, node) =>
    `argument '${p?.argumentPath ?? ''}' with value '${node ? literalDescription(node as never) : ''}' is not a valid '${m[1].replace(/!$/, '')}' @ '${p?.fieldPath ?? ''}'`],
  [/^Field "([\w.]+)" of required type "([^"]+)" was not provided\./, 'WrongType', (m, p) =>
    `argument '${p?.argumentPath ?? ''}' is missing required fields '[${m[1].split('.').pop()}]' @ '${p?.fieldPath ?? ''}'`],
  [/^Field "(\w+)" is not defined by type "(\w+)"\./, 'WrongType', (m, p) => `argument '${p?.argumentPath ?? ''}' contains a field not in '${m[2]}': '${m[1]}' @ '${p?.fieldPath ?? ''}'`],
  [/^There can be only one operation named "(\w+)"/, 'DuplicateOperationName', (m) => `There can be only one operation named ${m[1]}`],
  [/^This anonymous operation must be the only defined operation\./, 'LoneAnonymousOperationViolation', () => 'Anonymous operations must be the only defined operation'],
  [/^Fragment "(\w+)" is never used\./, 'UnusedFragment', (m) => `Unused fragment ${m[1]}`],
  [/^Unknown fragment "(\w+)"\./, 'UndefinedFragment', (m) => `Undefined fragment ${m[1]}`],
];

function rewrite(error: GraphQLError, where: () => Map<ASTNode, Place>): AppSyncError {
  const node = error.nodes?.[0];
  for (const [pattern, kind, message] of rewrites) {
    const match = pattern.exec(error.message);
    if (match) return requestError(`Validation error of type ${kind}: ${message(match, node && where().get(node), node)}`, error.locations);
  }
  return requestError(`Validation error of type InvalidQuery: ${error.message}`, error.locations);
}

/**
 * [] when the document is valid for the schema. With introspection off, the fields of the
 * introspection types are undefined: AppSync answers "validation errors on their query" such as
 * "Field 'types' in type '__Schema' is undefined" ("Configuring GraphQL run complexity, query
 * depth, and introspection with AWS AppSync", "Using the introspection feature":
 * https://docs.aws.amazon.com/appsync/latest/devguide/configuration-limits.html).
 */
export function validateDocument(schema: GraphQLSchema, document: DocumentNode, options: { introspection?: boolean } = {}): AppSyncError[] {
  const errors = validate(schema, document);
  let cached: Map<ASTNode, Place> | undefined;
  const where = () => (cached ??= places(document));
  if (errors.length) return errors.map((e) => rewrite(e, where));
  return options.introspection === false ? introspectionErrors(schema, document, where) : [];
}

function introspectionErrors(schema: GraphQLSchema, document: DocumentNode, where: () => Map<ASTNode, Place>): AppSyncError[] {
  const errors: AppSyncError[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !isIntrospectionType(getNamedType(parent))) return;
        errors.push(requestError(`Validation error of type FieldUndefined: Field '${node.name.value}' in type '${parent.name}' is undefined @ '${where().get(node)?.fieldPath ?? node.name.value}'`, locationsOf([node])));
        // one error per refused field, not one more for each field below it
        return false;
      },
    }),
  );
  return errors;
}

/**
 * The most fields a document may select once its fragments are expanded. A local safeguard (not
 * an AppSync quota): aliases fanned out through fragments (`F1 { a: f { ...F2 } b: f { ...F2 } }`)
 * select a number of fields exponential in the document's size, and every one of them costs the
 * endpoint CPU (ctx.info.selectionSetList, shaping results for subscribers) whether or not a
 * resolver runs. No legitimate document of this API comes near it.
 */
export const MAX_EXPANDED_FIELDS = 10_000;

/** [] when the document's operations expand to at most MAX_EXPANDED_FIELDS fields. */
export function checkDocumentCost(document: DocumentNode, fragments: Fragments): AppSyncError[] {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (expandedFieldCount(definition.selectionSet, fragments, MAX_EXPANDED_FIELDS) > MAX_EXPANDED_FIELDS) {
      return [requestError(`Validation error of type QueryTooLarge: the query selects more than ${MAX_EXPANDED_FIELDS} fields once its fragments are expanded`)];
    }
  }
  return [];
}

/** Fields selected once fragments are expanded, counted up to just past stopAt. */
export function expandedFieldCount(selectionSet: SelectionSetNode, fragments: Fragments, stopAt: number): number {
  let count = 0;
  const walk = (sets: SelectionSetNode[]) => {
    for (const nodes of collectFields(sets, fragments).values()) {
      if (++count > stopAt) return;
      const below = subSelections(nodes);
      if (below.length) walk(below);
      if (count > stopAt) return;
    }
  };
  walk([selectionSet]);
  return count;
}
