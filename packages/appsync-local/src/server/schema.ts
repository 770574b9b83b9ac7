/**
 * Builds an executable graphql-js schema from a schema file written for AppSync: the AWS scalars
 * and directives are supplied (they are built into AppSync, not declared in the file).
 */
import { buildSchema, isScalarType, type GraphQLSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { awsScalars } from './scalars';

/** The one file of AWS scalar and directive definitions; codegen.yml reads it too. */
export const AWS_SCHEMA_FILE = fileURLToPath(new URL('./aws-schema.graphql', import.meta.url));

export const awsSchemaSdl = readFileSync(AWS_SCHEMA_FILE, 'utf8');

export function buildAppSyncSchema(sdl: string): GraphQLSchema {
  const schema = buildSchema(`${awsSchemaSdl}\n${sdl}`);
  for (const [name, implementation] of Object.entries(awsScalars)) {
    const type = schema.getType(name);
    if (!type || !isScalarType(type)) continue;
    type.serialize = implementation.serialize;
    type.parseValue = implementation.parseValue;
    type.parseLiteral = implementation.parseLiteral;
  }
  return schema;
}

export function loadAppSyncSchema(schemaFile: string): GraphQLSchema {
  return buildAppSyncSchema(readFileSync(schemaFile, 'utf8'));
}
