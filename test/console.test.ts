/**
 * The console at / in a real headless Chromium: GraphiQL loads from the local bundle (no
 * network), the x-api-key header is filled in, and a query typed into the editor runs against
 * the endpoint. A screenshot lands in test-results/console.png.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { directRuntime } from './support/direct-runtime';
import { startTestStack, type TestStack } from './support/stack';

const WIRING = new URL('./fixtures/server-api/wiring.json', import.meta.url).pathname;

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack({
    label: 'console',
    wiringFile: WIRING,
    runtime: () =>
      directRuntime({
        'Query.note': (input) => ({ data: { id: input.arguments.id, text: `hello from ${String(input.requestHeaders['x-api-key'] ? 'an API key' : 'nobody')}`, required: 'r' }, errors: [] }),
      }),
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('serves GraphiQL with the API key filled in and runs a query typed into it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const external: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') && url.host !== new URL(stack.url).host) external.push(request.url());
  });
  await page.goto(`${stack.url}/`);
  await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });

  // the headers editor holds the API key, as the AppSync console's query editor does
  await expect.poll(() => page.locator('.graphiql-editor-tool').innerText(), { timeout: 10_000 }).toContain(stack.apiKey);

  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('query FromTheConsole {\n  note(id: "console-1") {\n    id\n    text\n  }\n}');
  await page.locator('.graphiql-execute-button').click();

  const result = page.locator('.result-window');
  await expect.poll(() => result.innerText(), { timeout: 15_000 }).toContain('hello from an API key');
  expect(await result.innerText()).toContain('"console-1"');

  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/console.png' });
  expect(external).toEqual([]);
  await page.close();
});
