/**
 * The one way every tool finds the local stack that runs: `npm start` holds `<data folder>/stack.json`
 * (its pid and where each part listens) from before DynamoDB Local opens the folder until it stops.
 * verify, rebuild, seed and smoke read it (local/ops/target.ts): they act on that stack, or —
 * when the folder is held by a live process they cannot reach — refuse and say what to do, rather
 * than start a second DynamoDB Local on files a running one has open. A file left by a process that
 * died (kill -9, a crash) names a dead pid and is ignored.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../infra/wiring';

export const STACK_FILE_NAME = 'stack.json';
export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.data');

/** What a running `npm start` says about itself. No secrets: the folder is the developer's, but the file is read by every tool. */
export interface RunningStack {
  pid: number;
  startedAt: string;
  /** absolute */
  dataDir: string;
  inMemory: boolean;
  /** absent while the stack is still starting */
  graphqlUrl?: string;
  dynamodbEndpoint?: string;
  userPoolEndpoint?: string;
  tablePrefix?: string;
  /** the client configuration file it wrote (amplify-config.json), which smoke and the web client read */
  clientConfigFile?: string;
}

export class DataFolderInUse extends Error {}

export const stackFileOf = (dataDir: string) => join(resolve(dataDir), STACK_FILE_NAME);

/** Whether a process with this pid exists (signal 0 checks without sending anything; EPERM: it exists, owned by another user). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack that holds this data folder now, or undefined (no file, an unreadable one, or a dead pid's). */
export function readRunningStack(dataDir: string = DEFAULT_DATA_DIR): RunningStack | undefined {
  const file = stackFileOf(dataDir);
  if (!existsSync(file)) return undefined;
  let parsed: RunningStack;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as RunningStack;
  } catch {
    // a torn write cannot happen (written whole and renamed); anything else is not ours
    return undefined;
  }
  return processIsAlive(parsed.pid) ? parsed : undefined;
}

export interface StackFileLease {
  file: string;
  /** adds where the parts listen, once they do */
  update(started: Omit<RunningStack, 'pid' | 'startedAt' | 'dataDir' | 'inMemory'>): void;
  /** removes the file (only if it is still this process's) */
  release(): void;
}

function writeWhole(file: string, content: RunningStack): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(temporary, file);
}

/**
 * Takes the data folder for this process: refuses (DataFolderInUse) when a live process holds it,
 * takes over a dead one's file. `wx` makes the creation exclusive, so of two starts racing for a
 * free folder one wins.
 */
export function holdStackFile(dataDir: string, inMemory: boolean): StackFileLease {
  const folder = resolve(dataDir);
  const file = stackFileOf(folder);
  mkdirSync(folder, { recursive: true });
  const held = readRunningStack(folder);
  if (held && held.pid !== process.pid) {
    throw new DataFolderInUse(
      `the data folder ${folder} is in use by another npm start (pid ${held.pid}${held.graphqlUrl ? `, ${held.graphqlUrl}` : ', still starting'}): ` +
        `stop it first, or give this one another folder with --data-dir <dir> (if pid ${held.pid} is not an npm start, its file is stale: remove ${file})`,
    );
  }
  // a dead process's file (or none): replace it
  rmSync(file, { force: true });
  let content: RunningStack = { pid: process.pid, startedAt: new Date().toISOString(), dataDir: folder, inMemory };
  try {
    writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new DataFolderInUse(`the data folder ${folder} was taken by another npm start at the same moment: stop it first, or give this one another folder with --data-dir <dir>`);
  }
  const mine = () => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as RunningStack).pid === process.pid;
    } catch {
      return false;
    }
  };
  return {
    file,
    update(started) {
      content = { ...content, ...started };
      if (mine()) writeWhole(file, content);
    },
    release() {
      if (mine()) rmSync(file, { force: true });
    },
  };
}
