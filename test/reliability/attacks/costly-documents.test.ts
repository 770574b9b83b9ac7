/**
 * Costly documents with new text each time do not hold the event loop (issue 24, part 4). From a
 * process of its own, an attacker with the public API key sends documents of each costly kind —
 * the 600 identical fields (graphql-js's overlapping-fields rule), 5,000 aliases, 10,000
 * variable definitions and 20,000 directives, then 20,000 tokens, and each local safeguard alone
 * within the token limit (1,200 aliases, 300 variable definitions, 300 directives) — each of new
 * text, so that no cache hides its cost, over HTTP and as real-time starts, while a well-behaved
 * client reads a mark (test/support/attack.ts). Each is refused before validation
 * (DOCUMENT_LIMITS): QueryTooLarge, or past the parser's 15,000 tokens as a document that cannot
 * be parsed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportAttack, wellBehavedDuring } from '../../support/attack';
import { COSTLY_KINDS, startHostileLoad, type HostileLoad } from '../../support/hostile-load';
import { freshMark, ok } from '../../support/marks';
import { Tally } from '../../support/reliability';
import { startTestStack, type TestStack } from '../../support/stack';

/** documents of each kind, one after another, over HTTP and as many starts */
const DOCUMENTS = 8;

let stack: TestStack;
let load: HostileLoad | undefined;
let mark: string;
const tally = new Tally('attack costly documents');

beforeAll(async () => {
  stack = await startTestStack({ label: 'attcostly' });
  load = await startHostileLoad();
  mark = freshMark('CD');
  await ok(stack, 'releaseMark', { mark, price: 1 });
  await load.run({ kind: 'connect', target: { graphqlUrl: stack.graphqlUrl, realtimeUrl: stack.realtimeUrl, apiKey: stack.apiKey, staffToken: await stack.token('staff') } });
});

afterAll(async () => {
  tally.print();
  try {
    await load?.stop();
  } finally {
    await stack?.stop();
  }
});

describe('documents of new text past the limits', () => {
  it.each(COSTLY_KINDS.map((kind) => [kind]))('%s: each refused before validation, the well-behaved client served throughout', async (kind) => {
    const each = new Tally(kind);
    const figures = await wellBehavedDuring(stack, mark, async () => {
      const out = await load!.run({ kind: 'costly', document: kind, count: DOCUMENTS });
      each.merge(out.tally);
    });
    tally.merge(each);
    reportAttack(tally, `costly documents: ${kind}`, figures);
    // past the parser's 15,000 tokens a document is one that cannot be parsed; within it, past a local safeguard
    const unparsable = ['5,000 aliases', '10,000 variable definitions', '20,000 directives', '20,000 tokens'].includes(kind);
    const refusal = unparsable ? ['MalformedHttpRequestException', 'Syntax Error'] : ['QueryTooLarge', 'QueryTooLarge'];
    expect(each.extra[`costly queries ${refusal[0]}`]).toBe(DOCUMENTS);
    expect(each.extra[`costly starts ${refusal[1]}`]).toBe(DOCUMENTS);
  });
});
