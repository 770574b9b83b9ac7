// Ready operations, one per console tab, to start from: the original system's create request,
// a replay with getMarkAt and a subscription to one mark.
import original from './original-create-request.json';

const EVENT = 'mark\n    version\n    type\n    recordedAt\n    eventTime\n    data';
const json = (value) => JSON.stringify(value, null, 2);

/** GraphiQL tab definitions ({ query, variables, headers }), each with the console's headers. */
export function readyOperations(headers) {
  const mark = original.request.mark;
  return [
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
      headers,
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
      headers,
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
      headers,
    },
  ];
}
