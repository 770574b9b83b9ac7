/**
 * The console at / in a real headless Chromium, as the AppSync console's query editor: GraphiQL
 * loads from the local bundle (no network), the x-api-key header is filled in, a query typed into
 * the editor runs over HTTP, a subscription typed into it runs over the real-time endpoint and
 * shows each event sent from outside as it arrives until stopped, the documentation explorer is
 * one click away, and every ready operation runs as given (issue 27). The user pool answers the console's page and
 * no other origin's. Screenshots land in test-results/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRealtime } from 'appsync-local';
import type { ConsoleTab } from 'appsync-local';
import { CONSOLE_TABS } from '../local/console/tabs';
import { ORIGINAL, ok, storedEvents } from './support/marks';
import { startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack({ label: 'console' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync('test-results', { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A fresh page on the console, with every request that leaves the local endpoint recorded. */
async function openConsole(beforeLoad?: () => void): Promise<{ page: Page; external: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  if (beforeLoad) await page.addInitScript(beforeLoad);
  const external: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.host !== new URL(stack.url).host && url.protocol !== 'data:') external.push(request.url());
  });
  await page.goto(`${stack.url}/`);
  await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
  return { page, external };
}

async function typeOperation(page: Page, text: string) {
  await page.locator('.graphiql-query-editor .CodeMirror').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function typeVariables(page: Page, variables: Record<string, unknown>) {
  await page.getByRole('button', { name: 'Variables' }).first().click();
  await page.locator('.graphiql-editor-tool .CodeMirror').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify(variables));
}

const resultText = (page: Page) => page.locator('.result-window').innerText();

/** The console's auth mode bar: a user of the local pool, as the AppSync console signs in. */
async function signIn(page: Page, username: string, password: string) {
  await page.getByLabel('Authorization mode').selectOption('userPool');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('.auth-status').innerText(), { timeout: 10_000 }).toBe(`signed in as ${username}`);
}

it('signs in as a user of the local pool and refuses a wrong password', async () => {
  const { page, external } = await openConsole();
  await page.getByLabel('Authorization mode').selectOption('userPool');
  await page.getByLabel('Username').fill('purchaser-a');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('.auth-status').innerText(), { timeout: 10_000 }).toContain('NotAuthorizedException');
  await signIn(page, 'purchaser-a', 'PurchaserA-Local-1');
  // a purchaser may not release a mark: the directive on releaseMark names the staff group only
  await typeOperation(page, `mutation {\n  releaseMark(input: { mark: "CON 9", price: 1 }) { version }\n}`);
  await page.locator('.graphiql-execute-button').click();
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('Not Authorized to access releaseMark on type Mutation');
  // the sign-in request went to the local user pool, which is on this machine
  expect(external.every((url) => new URL(url).host === new URL(stack.userPool.endpoint).host)).toBe(true);
  await page.close();
});

it('runs a query typed into it over HTTP with the API key filled in', async () => {
  const mark = 'CON 1';
  await ok(stack, 'releaseMark', { mark, price: 4100 });
  const { page, external } = await openConsole();

  // the headers editor holds the API key, as the AppSync console's query editor does
  await page.getByRole('button', { name: 'Headers' }).first().click();
  await expect.poll(() => page.locator('.graphiql-editor-tool').innerText(), { timeout: 10_000 }).toContain(stack.apiKey);

  await typeOperation(page, `query FromTheConsole {\n  getMark(mark: "con  1") {\n    mark\n    price\n    version\n  }\n}`);
  await page.locator('.graphiql-execute-button').click();
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('4100');
  expect(await resultText(page)).toContain('"CON 1"');
  expect(external).toEqual([]);
  await page.close();
});

it('shows each event of a subscription typed into it as it arrives, until stopped', async () => {
  const mark = 'CON 2';
  const { page, external } = await openConsole();
  await typeOperation(page, `subscription Watch($mark: ID) {\n  onMarkEvent(mark: $mark) {\n    mark\n    version\n    type\n  }\n}`);
  await typeVariables(page, { mark });
  await page.locator('.graphiql-execute-button').click();
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('listening');

  // mutations from outside the browser, one on another mark that the filter must keep out
  await ok(stack, 'releaseMark', { mark, price: 10 });
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('MARK_RELEASED');
  await ok(stack, 'releaseMark', { mark: 'CON 3', price: 10 });
  await ok(stack, 'lockMark', { mark, expectedVersion: 1 });
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('MARK_LOCKED');
  const live = await resultText(page);
  expect(live).toContain('2 events received');
  expect(live).not.toContain('CON 3');
  expect(live.indexOf('MARK_RELEASED')).toBeLessThan(live.indexOf('MARK_LOCKED'));
  await page.screenshot({ path: 'test-results/console-subscription.png' });

  // stopped: an event after the stop no longer shows
  await page.locator('.graphiql-execute-button').click();
  await expect.poll(() => page.locator('.graphiql-execute-button').getAttribute('aria-label'), { timeout: 10_000 }).not.toMatch(/stop/i);
  // a subscriber outside the browser tells when the next event has been delivered
  const witness = await connectRealtime({ url: stack.realtimeUrl, apiKey: stack.apiKey });
  await witness.init();
  expect((await witness.start('w', 'subscription ($mark: ID) { onMarkEvent(mark: $mark) { type } }', { mark })).type).toBe('start_ack');
  await ok(stack, 'unlockMark', { mark, expectedVersion: 2 });
  await witness.next((m) => m.type === 'data' && m.id === 'w', 15_000);
  await witness.close();
  expect(await resultText(page)).not.toContain('MARK_UNLOCKED');
  expect(await resultText(page)).toContain('MARK_LOCKED');
  expect(external).toEqual([]);
  await page.close();
});

it('opens the documentation explorer in one click and offers the ready operations', async () => {
  const { page, external } = await openConsole();
  await page.getByRole('button', { name: /documentation explorer/i }).click();
  const docs = page.locator('.graphiql-doc-explorer');
  await expect.poll(() => docs.innerText(), { timeout: 15_000 }).toMatch(/Query[\s\S]*Mutation[\s\S]*Subscription/);

  const tabs = await page.locator('.graphiql-tab').allInnerTexts();
  expect(tabs.map((t) => t.trim())).toEqual(CONSOLE_TABS.map(operationName));
  expect(external).toEqual([]);
  await page.close();
});

/** The ready operation's name, which GraphiQL gives its tab as title. */
function operationName(tab: ConsoleTab): string {
  return /^(?:query|mutation|subscription) (\w+)/m.exec(tab.query)![1]!;
}

/** The variables editor's text (CodeMirror keeps it on its element: innerText shows only the lines drawn). */
const variablesText = (page: Page) =>
  page.evaluate<string | null>("document.querySelector('.graphiql-editor-tool .CodeMirror')?.CodeMirror.getValue() ?? null");

/**
 * The role a tab's first line asks for, taken as the line says: "sign in as <user> (password <p>)"
 * in the mode bar, or the API key. A tab that names neither fails here.
 */
async function takeRoleOf(page: Page, tab: ConsoleTab): Promise<string> {
  const first = tab.query.split('\n')[0]!;
  const user = /sign in as (\S+) \(password (\S+)\)/.exec(first);
  if (user) {
    await signIn(page, user[1]!, user[2]!);
    return user[1]!;
  }
  expect(first).toMatch(/^# Runs with the API key/);
  await page.getByLabel('Authorization mode').selectOption('apiKey');
  return 'apiKey';
}

it('runs every ready tab as given on a fresh stack, in the role its first line names, after the README’s own examples', async () => {
  // the README's curl example has run first, as a newcomer runs it: no tab may clash with its mark
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const readmeMark = /releaseMark\(input: \{mark: \\"([^\\]+)\\"/.exec(readme)?.[1];
  expect(readmeMark).toBeTruthy();
  await ok(stack, 'releaseMark', { mark: readmeMark, price: 25000 });
  for (const tab of CONSOLE_TABS) expect(tab.variables ?? '').not.toContain(`"${readmeMark}"`);
  // purchaser A owns a mark, for the tab of their own marks
  await ok(stack, 'releaseMark', { mark: 'CON 4', price: 18503 });
  await ok(stack, 'purchaseMark', { mark: 'CON 4', expectedVersion: 1, entitlement: { purchaserName: 'Carys Cole', address: { addLine1: '4 Oak Row', postTown: 'Cardigan', postcode: 'SA43 1AA' } } }, 'purchaserA');

  // this browser kept the tabs of an earlier console (GraphiQL's own storage): they do not hide the current ones
  const { page, external } = await openConsole(() => {
    const old = { id: 'old', hash: 'old', title: 'OldTab', query: 'query OldTab { __typename }', variables: null, headers: null, operationName: 'OldTab', response: null };
    (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage.setItem('graphiql:tabState', JSON.stringify({ activeTabIndex: 0, tabs: [old] }));
  });
  expect((await page.locator('.graphiql-tab').allInnerTexts()).map((t) => t.trim())).toEqual(CONSOLE_TABS.map(operationName));
  const [create, replay, follow, mine] = CONSOLE_TABS as [ConsoleTab, ConsoleTab, ConsoleTab, ConsoleTab];
  expect(CONSOLE_TABS.map(operationName)).toEqual(['CreateFromTheOriginalRequest', 'ReplayAMark', 'OneMark', 'MyMarks']);

  // the first tab is open with its variables, without switching tabs (issue 27: the pane was empty
  // until another tab had been chosen, and the operation ran with none)
  await expect.poll(() => variablesText(page), { timeout: 5_000 }).toBe(create.variables);

  const run = async (tab: ConsoleTab) => {
    await page.locator('.graphiql-tab', { hasText: operationName(tab) }).click();
    await expect.poll(() => variablesText(page), { timeout: 5_000 }).toBe(tab.variables);
    await takeRoleOf(page, tab);
    await page.locator('.graphiql-execute-button').click();
  };

  // the original's create request: version 1; again, the same event (its commandId), nothing written
  await run(create);
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('"type": "ENTITLEMENT_CREATED"');
  expect(await resultText(page)).toContain(`"mark": "${ORIGINAL.request.mark}"`);
  expect(await resultText(page)).toContain('"version": 1');
  await page.locator('.graphiql-execute-button').click();
  await expect.poll(async () => (await storedEvents(stack, ORIGINAL.request.mark)).length, { timeout: 5_000 }).toBe(1);
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('"version": 1');
  expect(await resultText(page)).not.toContain('MarkAlreadyExists');

  // the replay of version 1, with the entitlement its role may see
  await run(replay);
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain(`"purchaserName": "${ORIGINAL.request.entitlement.purchaserName}"`);

  // the subscription, with the API key: an event sent from outside shows up
  await run(follow);
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('listening');
  await ok(stack, 'changeNominee', { mark: ORIGINAL.request.mark, expectedVersion: 1, nomineeName: 'Mr Ifan Jones' });
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('NOMINEE_CHANGED');
  expect(await resultText(page)).not.toContain('Mr Ifan Jones');
  await page.locator('.graphiql-execute-button').click();

  // the signed-in purchaser's own marks
  await run(mine);
  await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('"mark": "CON 4"');
  expect(await resultText(page)).toContain('"purchaserName": "Carys Cole"');
  expect(await resultText(page)).not.toContain(ORIGINAL.request.mark);
  await page.screenshot({ path: 'test-results/console.png' });
  expect(external.every((url) => new URL(url).host === new URL(stack.userPool.endpoint).host)).toBe(true);
  await page.close();
});

it('is the only page the user pool answers: a page of another origin on this machine can neither sign in nor make itself staff', async () => {
  // a page served from another local port, as any web page open in the developer's browser could be
  const foreign = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    const attempts = await page.evaluate(
      async ({ endpoint, clientId, poolId }) => {
        const call = async (operation: string, body: unknown) => {
          try {
            const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` }, body: JSON.stringify(body) });
            return `answered ${res.status}`;
          } catch (err) {
            return `refused: ${(err as Error).name}`;
          }
        };
        return [
          await call('InitiateAuth', { ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'staff', PASSWORD: 'Staff-Local-1' } }),
          await call('AdminAddUserToGroup', { UserPoolId: poolId, Username: 'purchaser-b', GroupName: 'staff' }),
        ];
      },
      { endpoint: stack.userPool.endpoint, clientId: stack.userPool.pool.clientId, poolId: stack.userPool.pool.poolId },
    );
    // the browser's CORS check fails: the page gets no answer at all
    expect(attempts).toEqual(['refused: TypeError', 'refused: TypeError']);
    expect([...stack.userPool.pool.user('purchaser-b')!.groups]).toEqual([]);
  } finally {
    await page.close();
    await new Promise<void>((resolve) => foreign.close(() => resolve()));
  }
});

it('ships the original create request in the console as it was recorded', () => {
  // the console is served by the local stack, which reads nothing under test/: its own copy
  const shipped = JSON.parse(readFileSync(new URL('../local/console/original-create-request.json', import.meta.url), 'utf8')) as typeof ORIGINAL;
  expect(shipped.request).toEqual(ORIGINAL.request);
});
