/**
 * mark-api's ready operations, one per tab of the local console (packages/appsync-local's
 * console shows what it is given): the original system's create request, a replay with getMarkAt,
 * a subscription to one mark, and a purchaser's own marks.
 *
 * Each runs as given on a fresh `npm start` once its first comment line is followed: that line
 * says which role the operation needs and how to take it in the console's Authorization mode bar
 * (the seeded users of local/users.ts; `npm start` prints them). None touches the mark the
 * README's own examples release (test/console.test.ts reads them), and the create carries a commandId, so that
 * running it again, or after a restart on the same data, answers the event it already appended
 * instead of MarkAlreadyExists. test/console.test.ts runs every tab in Chromium.
 */
import { readFileSync } from 'node:fs';
import type { ConsoleTab } from 'appsync-local';
import { SEEDED_USERS } from '../users';

const original = JSON.parse(readFileSync(new URL('./original-create-request.json', import.meta.url), 'utf8')) as { request: { mark: string } };

// every field onMarkEvent filters on (resolvers/lib/subscriptions.ts), as codegen:check holds the
// web client's operations to: a mutation that leaves one out reaches no subscriber filtered on it
const EVENT = 'mark\n    version\n    type\n    ownership\n    recordedAt\n    eventTime\n    data';
const json = (value: unknown) => JSON.stringify(value, null, 2);
const mark = original.request.mark;

function signIn(role: 'staff' | 'purchaserA'): string {
  const user = SEEDED_USERS.find((seeded) => seeded.role === role)!;
  return `choose "Amazon Cognito user pool" above and sign in as ${user.username} (password ${user.password})`;
}

export const CONSOLE_TABS: ConsoleTab[] = [
  {
    query: `# Needs registry staff: ${signIn('staff')}, then run. (The API key is refused it.)
# The original mark-api's create request (POST /mark/v1/entitlement), as createEntitlement.
# Run it once: version 1. Run it again: the same event, nothing written (its commandId makes a
# retry safe). Change the commandId and run it: MarkAlreadyExists, nothing written.
mutation CreateFromTheOriginalRequest($input: CreateEntitlementInput!) {
  createEntitlement(input: $input) {
    ${EVENT}
  }
}
`,
    variables: json({ input: { ...original.request, commandId: 'console-original-create-request' } }),
  },
  {
    query: `# Needs a signed-in user: ${signIn('staff')} (staff see the entitlement; anyone
# else signed in sees it null, as it is not theirs). Run the first tab first, or it answers null.
# Replay: the state of a mark rebuilt from its events up to a version and/or a time
# (at: an AWSDateTime such as "2030-01-01T00:00:00.000Z").
query ReplayAMark($mark: ID!, $version: Int, $at: AWSDateTime) {
  getMarkAt(mark: $mark, version: $version, at: $at) {
    mark
    status
    price
    version
    updatedAt
    entitlement {
      certificateNo
      nomineeName
      purchaserName
      address {
        addLine1
        postTown
        postcode
      }
    }
  }
}
`,
    variables: json({ mark, version: 1 }),
  },
  {
    query: `# Runs with the API key (anyone may follow a mark's events; the personal data stays out).
# Every event of one mark as it is appended, over the real-time endpoint (WebSocket).
# Run it, then send a mutation on this mark from another tab or a terminal; the stop button ends it.
subscription OneMark($mark: ID) {
  onMarkEvent(mark: $mark) {
    ${EVENT}
  }
}
`,
    variables: json({ mark }),
  },
  {
    query: `# Needs a signed-in purchaser: ${signIn('purchaserA')}, then run.
# The marks the signed-in user owns, with their entitlements: the owner is the sign-in, never an
# argument (staff may pass a purchaser's sub as owner). Empty until they buy one in the web client.
query MyMarks($limit: Int, $nextToken: String) {
  listMyMarks(limit: $limit, nextToken: $nextToken) {
    items {
      mark
      status
      price
      version
      entitlement {
        certificateNo
        purchaserName
      }
    }
    nextToken
  }
}
`,
    variables: json({ limit: 20 }),
  },
];
