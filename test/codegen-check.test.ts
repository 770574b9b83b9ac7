/**
 * `npm run codegen:check` (part of npm test) over the client operations (issue 19, part 3), shown on
 * a copy of the tree: it passes as the tree is; a schema change that breaks a client operation
 * fails it, naming the operation's file and field; a client mutation that leaves out a field
 * onMarkEvent filters on fails it, naming the mutation and the field (AppSync would drop that
 * event for the subscribers silently: aws-appsync-community issue 109); and the fields come from
 * where the filter is decided: one more field in the list that types the subscription resolver's
 * filter, and every client mutation is refused; and a client command whose selection the command
 * resolvers refuse (an alias, a named fragment: resolvers/lib/selection.ts) fails it too.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOfTree } from './support/tree';

let folder = '';
let tree = '';

beforeAll(() => {
  ({ folder, tree } = copyOfTree('mark-api-codegen-'));
});
afterAll(() => void (folder && rmSync(folder, { recursive: true, force: true })));

/** Runs codegen:check in the copy with one file changed, then puts the file back. */
async function checkWith(file: string, change: (text: string) => string): Promise<{ code: number; output: string }> {
  const path = join(tree, file);
  const original = readFileSync(path, 'utf8');
  const changed = change(original);
  expect(changed).not.toBe(original);
  writeFileSync(path, changed);
  try {
    return await codegenCheck();
  } finally {
    writeFileSync(path, original);
  }
}

function codegenCheck(): Promise<{ code: number; output: string }> {
  return promisify(execFile)(join(tree, 'node_modules', '.bin', 'tsx'), ['codegen-check.ts'], { cwd: tree, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (err: { code?: number; stdout: string; stderr: string }) => ({ code: err.code ?? -1, output: err.stdout + err.stderr }),
  );
}

describe('codegen:check over the client operations, on a copy of the tree', () => {
  it('passes on the tree as it is', async () => {
    const { code, output } = await codegenCheck();
    expect(output).toContain('codegen: resolvers/lib/graphql.ts, web/src/graphql/operations.ts up to date');
    expect(code).toBe(0);
  }, 120_000);

  it('fails when a schema change breaks a client operation, naming its file and field', async () => {
    const { code, output } = await checkWith('schema.graphql', (text) => text.replace(/^ {2}price: Int$/m, '  askingPrice: Int'));
    expect(code).toBe(1);
    expect(output).toContain('Cannot query field "price" on type "Mark".');
    expect(output).toMatch(/web\/operations\/fragments\.graphql:\d+:\d+/);
  }, 120_000);

  it('fails when a client mutation leaves out a field onMarkEvent filters on, or renames a field or spreads a named fragment (issue 24), naming the mutation and the field', async () => {
    // one run of codegen for three mutations changed: a run takes tens of seconds on a busy machine
    const { code, output } = await checkWith('web/operations/mutations.graphql', (text) =>
      text
        .replace(/(mutation LockMark\(\$input: LockMarkInput!\) \{\n {2}lockMark\(input: \$input\) \{\n)[^}]*\}/, '$1    mark\n    version\n    type\n    recordedAt\n  }')
        .replace(/(mutation ChangeNominee\(\$input: ChangeNomineeInput!\) \{\n {2}changeNominee\(input: \$input\) \{\n {4})mark\n/, '$1mark\n    ... on MarkEvent { ownerSince: ownership }\n')
        .replace(/(mutation UnlockMark\(\$input: UnlockMarkInput!\) \{\n {2}unlockMark\(input: \$input\) \{\n)/, '$1    ...MarkEventFields\n'),
    );
    // what the command resolvers would refuse (resolvers/lib/selection.ts) is refused here first
    expect(output).toContain('web/operations/mutations.graphql: mutation ChangeNominee: its selection of changeNominee renames a field (ownerSince: ownership): no alias may be used.');
    expect(output).toContain('web/operations/mutations.graphql: mutation UnlockMark: its selection of unlockMark spreads fragment MarkEventFields, unseen by the resolver');
    expect(output).not.toMatch(/mutation (ReleaseMark|PurchaseMark|ForgetMark|LockMark): its selection/);
    expect(code).toBe(1);
    expect(output).toContain(
      'web/operations/mutations.graphql: mutation LockMark does not select ownership of lockMark (an alias does not count): onMarkEvent filters on mark, type, ownership',
    );
    expect(output).toContain('subscribers would silently miss this event (aws-appsync-community issue 109)');
    // only that mutation is refused
    expect(output).not.toMatch(/mutation (ReleaseMark|PurchaseMark|ForgetMark) does not select/);
  }, 120_000);

  it('takes the filtered fields from the list that types the subscription resolver’s filter', async () => {
    const { code, output } = await checkWith('resolvers/lib/subscriptions.ts', (text) => text.replace("['mark', 'type', 'ownership']", "['mark', 'type', 'ownership', 'previousOwner']"));
    expect(code).toBe(1);
    for (const mutation of ['ReleaseMark', 'LockMark', 'UnlockMark', 'PurchaseMark', 'ChangeAddress', 'ChangeNominee', 'ExtendEntitlement', 'IssueDuplicateCertificate', 'ForgetMark']) {
      expect(output).toContain(`mutation ${mutation} does not select previousOwner of`);
    }
  }, 120_000);
});
