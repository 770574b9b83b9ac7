import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from 'appsync-local';
import { buildMarkApi } from '../../local/build';

/**
 * One DynamoDB Local (in memory) for the whole run: a JVM start costs seconds, tables are cheap.
 * Every test file creates its own tables under a unique prefix (see test/support/stack.ts).
 */
export default async function setup(project: TestProject) {
  // tests run the built bundles, as AppSync does: build mark-api's first
  const [, dynamodb] = await Promise.all([buildMarkApi(), startDynamoDbLocal({ inMemory: true })]);
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
