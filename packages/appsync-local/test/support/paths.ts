import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/appsync-local/ */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
