import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildApi, loadWiring, startDynamoDbLocal } from '../../src/index';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

/** Every fixture API's wiring: at its folder's root or beside its resolvers. */
export function fixtureWirings(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [join(FIXTURES, entry.name, 'wiring.json'), join(FIXTURES, entry.name, 'resolvers', 'wiring.json')])
    .filter((file) => existsSync(file));
}

/**
 * One DynamoDB Local (in memory) for the package's whole run, and every fixture API built once
 * into a folder of the run's own: the tests run the built bundles, as AppSync does.
 */
export default async function setup(project: TestProject) {
  const buildRoot = mkdtempSync(join(tmpdir(), 'appsync-local-build-'));
  const [, dynamodb] = await Promise.all([
    Promise.all(fixtureWirings().map((file) => buildApi(loadWiring(file), buildRoot))),
    startDynamoDbLocal({ inMemory: true }),
  ]);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  project.provide('fixtureBuildRoot', buildRoot);
  return async () => {
    await dynamodb.stop();
    rmSync(buildRoot, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    fixtureBuildRoot: string;
  }
}
