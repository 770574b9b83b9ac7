/**
 * mark-api's ready operations, one per tab of the local console (packages/appsync-local's
 * console shows what it is given): the original system's create request, a replay with getMarkAt
 * and a subscription to one mark.
 */
import { readFileSync } from 'node:fs';
import type { ConsoleTab } from 'appsync-local';

const original = JSON.parse(readFileSync(new URL('./original-create-request.json', import.meta.url), 'utf8')) as { request: { mark: string } };

const EVENT = 'mark\n    version\n    type\n    recordedAt\n    eventTime\n    data';
const json = (value: unknown) => JSON.stringify(value, null, 2);
const mark = original.request.mark;

export const CONSOLE_TABS: ConsoleTab[] = [
  {
    query: `# The original mark-api's create request (POST /mark/v1/entitlement), as createEntitlement.
# Run it once: version 1. Run it again: MarkAlreadyExists, nothing written.
mutation CreateFromTheOriginalRequest($input: CreateEntitlementInput!) {
  createEntitlement(input: $input) {
    ${EVENT}
  }
}
`,
    variables: json({ input: original.request }),
  },
  {
    query: `# Replay: the state of a mark rebuilt from its events up to a version and/or a time
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
    query: `# Every event of one mark as it is appended, over the real-time endpoint (WebSocket).
# Run it, then send a mutation on this mark from another tab or a terminal; the stop button ends it.
subscription OneMark($mark: ID) {
  onMarkEvent(mark: $mark) {
    ${EVENT}
  }
}
`,
    variables: json({ mark }),
  },
];
