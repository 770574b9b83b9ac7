import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/services/dynamodb-local';
import { buildAll } from '../../local/build/build-resolvers';

/**
 * One DynamoDB Local (in memory) for the whole run: a JVM start costs seconds, tables are cheap.
 * Every test file creates its own tables under a unique prefix (see test/support/stack.ts).
 */
export default async function setup(project: TestProject) {
  // tests run the built bundles, as AppSync does: build every wiring (mark-api and test fixtures) first
  const [, dynamodb] = await Promise.all([buildAll(), startDynamoDbLocal({ inMemory: true })]);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  // the process that launches DynamoDB Local and the workers (test/toolchain.unit.test.ts)
  project.provide('mainNodeVersion', process.version);
  return async () => {
    await dynamodb.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    mainNodeVersion: string;
  }
}
