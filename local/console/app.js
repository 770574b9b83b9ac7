// The local console: GraphiQL against the local endpoint with the API key filled in, like the
// query editor of the AppSync console. Bundled by local/console/bundle.ts from installed packages.
// Plain JavaScript (no JSX) so that the project needs no React type packages for a browser-only file.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/graphiql.css';

const config = window.MARK_API_CONSOLE;
const fetcher = createGraphiQLFetcher({ url: new URL(config.graphqlPath, window.location.href).toString() });
const headers = JSON.stringify({ 'x-api-key': config.apiKey }, null, 2);

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultHeaders: headers,
    headers,
    defaultQuery: config.defaultQuery,
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'headers',
  }),
);
