// The local console: GraphiQL against the local endpoint with the API key filled in, like the
// query editor of the AppSync console: queries and mutations over HTTP, subscriptions over the
// real-time endpoint, the documentation explorer in the sidebar, ready operations in tabs.
// Bundled by local/console/bundle.ts from installed packages.
// Plain JavaScript (no JSX) so that the project needs no React type packages for a browser-only file.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { getOperationAST, parse } from 'graphql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/graphiql.css';
import { readyOperations } from './operations';
import { subscribeOverRealtime } from './realtime';

const config = window.MARK_API_CONSOLE;
const graphqlUrl = new URL(config.graphqlPath, window.location.href);
const realtimeUrl = new URL(config.realtimePath, window.location.href);
realtimeUrl.protocol = realtimeUrl.protocol === 'https:' ? 'wss:' : 'ws:';
const overHttp = createGraphiQLFetcher({ url: graphqlUrl.toString() });

/**
 * The credentials a request carries, taken from the headers editor: the same headers go over
 * HTTP and into the real-time endpoint's authorization object (with the API's host, which
 * AppSync's real-time protocol requires). The one place an auth mode or a sign-in would add its
 * header.
 */
export function authorization(editorHeaders) {
  const credentials = {};
  for (const [name, value] of Object.entries(editorHeaders ?? {})) {
    if (/^(x-api-key|authorization|x-amz-date|x-amz-security-token)$/i.test(name)) credentials[name] = String(value);
  }
  return { host: graphqlUrl.host, ...credentials };
}

/**
 * The operation to run, read from the editor's text as it is now. GraphiQL names the operation
 * from the editor a moment after each change, so right after the text is replaced it may still
 * send the previous document's name: with one operation in the document, that one runs.
 */
function operationOf(request) {
  let document;
  try {
    document = parse(request.query);
  } catch {
    // not parseable here: let the endpoint say what is wrong with it
    return { request, kind: 'query' };
  }
  const names = document.definitions.filter((d) => d.kind === 'OperationDefinition').map((d) => d.name?.value);
  const operationName = names.length === 1 && !names.includes(request.operationName) ? undefined : request.operationName;
  return { request: { ...request, operationName }, kind: getOperationAST(document, operationName)?.operation };
}

function fetcher(params, options = {}) {
  const { request, kind } = operationOf(params);
  const { host: _host, ...credentials } = authorization(options.headers);
  if (kind !== 'subscription') return overHttp(request, { ...options, headers: { ...options.headers, ...credentials } });
  const { query, variables, operationName } = request;
  return subscribeOverRealtime({
    realtimeUrl: realtimeUrl.toString(),
    authorization: authorization(options.headers),
    request: operationName ? { query, variables: variables ?? {}, operationName } : { query, variables: variables ?? {} },
  });
}

const headers = JSON.stringify({ 'x-api-key': config.apiKey }, null, 2);

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultHeaders: headers,
    defaultTabs: readyOperations(headers),
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'variables',
  }),
);
