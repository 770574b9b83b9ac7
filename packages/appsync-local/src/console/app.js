// The local console: GraphiQL against the local endpoint with the API key filled in (or a user of
// the local pool signed in through the auth mode bar), like the
// query editor of the AppSync console: queries and mutations over HTTP, subscriptions over the
// real-time endpoint, the documentation explorer in the sidebar, ready operations in tabs.
// Bundled by console/bundle.ts from installed packages; the API's ready operations come in its config.
// Plain JavaScript (no JSX) so that the project needs no React type packages for a browser-only file.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { getOperationAST, parse } from 'graphql';
import { createElement, useState } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/graphiql.css';
import { subscribeOverRealtime } from './realtime';

const config = window.APPSYNC_LOCAL_CONSOLE;
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
  // Signed in as a user of the pool (the mode chosen above the editor): the user's token, as
  // the AppSync console sends it for the Cognito user pools mode, in place of the API key.
  if (signedIn) {
    for (const name of Object.keys(credentials)) if (/^(x-api-key|authorization)$/i.test(name)) delete credentials[name];
    credentials.Authorization = signedIn.token;
  }
  return { host: graphqlUrl.host, ...credentials };
}

/** The user signed in through the bar above the editor, or null for the API key. */
let signedIn = null;

/** USER_PASSWORD_AUTH against the user pool, as the Cognito Identity Provider API answers it. */
async function signInToPool(username, password) {
  const response = await fetch(config.userPool.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ ClientId: config.userPool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.__type}: ${body.message}`);
  return body.AuthenticationResult.AccessToken;
}

/** The auth mode bar: the API key, or a user of the local pool signed in with a password. */
function AuthBar() {
  const [mode, setMode] = useState('apiKey');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [status, setStatus] = useState('API key: public reads only');
  const choose = (event) => {
    setMode(event.target.value);
    signedIn = null;
    setStatus(event.target.value === 'apiKey' ? 'API key: public reads only' : 'not signed in');
  };
  const submit = async (event) => {
    event.preventDefault();
    try {
      signedIn = { username, token: await signInToPool(username, password) };
      setStatus(`signed in as ${username}`);
    } catch (err) {
      signedIn = null;
      setStatus(`sign-in failed: ${err.message}`);
    }
  };
  const field = (props) => createElement('input', { style: { marginLeft: 8 }, ...props });
  return createElement(
    'form',
    { className: 'auth-bar', onSubmit: submit, style: { padding: '6px 12px', fontFamily: 'sans-serif', fontSize: 14, borderBottom: '1px solid #ddd' } },
    createElement('label', null, 'Authorization mode ', createElement('select', { 'aria-label': 'Authorization mode', value: mode, onChange: choose },
      createElement('option', { value: 'apiKey' }, 'API key'),
      createElement('option', { value: 'userPool' }, 'Amazon Cognito user pool'))),
    mode === 'userPool' && field({ 'aria-label': 'Username', placeholder: 'username', value: username, onChange: (e) => setUsername(e.target.value) }),
    mode === 'userPool' && field({ 'aria-label': 'Password', placeholder: 'password', type: 'password', value: password, onChange: (e) => setPassword(e.target.value) }),
    mode === 'userPool' && createElement('button', { type: 'submit', style: { marginLeft: 8 } }, 'Sign in'),
    createElement('span', { className: 'auth-status', style: { marginLeft: 12, color: '#555' } }, status),
  );
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
  const others = Object.fromEntries(Object.entries(options.headers ?? {}).filter(([name]) => !/^(x-api-key|authorization)$/i.test(name)));
  if (kind !== 'subscription') return overHttp(request, { ...options, headers: { ...others, ...credentials } });
  const { query, variables, operationName } = request;
  return subscribeOverRealtime({
    realtimeUrl: realtimeUrl.toString(),
    authorization: authorization(options.headers),
    request: operationName ? { query, variables: variables ?? {}, operationName } : { query, variables: variables ?? {} },
  });
}

const headers = JSON.stringify({ 'x-api-key': config.apiKey }, null, 2);
const tabs = (config.tabs ?? []).map((tab) => ({ ...tab, headers }));

/**
 * GraphiQL keeps its tabs in localStorage, per origin: a browser that opened the console of an
 * earlier version of the API's ready operations would reopen those old tabs and never show the new
 * ones. So the console's storage is namespaced by the ready operations themselves: when they change,
 * the console starts from them again; while they do not, it keeps what the developer did.
 */
function tabsStorage() {
  let hash = 5381;
  for (const c of JSON.stringify(config.tabs ?? [])) hash = ((hash * 33) ^ c.charCodeAt(0)) >>> 0;
  const prefix = `appsync-local-console:${hash.toString(36)}:`;
  try {
    const local = window.localStorage;
    return {
      getItem: (key) => local.getItem(prefix + key),
      setItem: (key, value) => local.setItem(prefix + key, value),
      removeItem: (key) => local.removeItem(prefix + key),
      clear: () => Object.keys(local).filter((key) => key.startsWith(prefix)).forEach((key) => local.removeItem(key)),
      key: (index) => local.key(index),
      get length() {
        return local.length;
      },
    };
  } catch {
    // no storage (a private window may refuse it): GraphiQL keeps nothing and starts from the tabs
    return null;
  }
}
const storage = tabsStorage();

/**
 * The first tab's variables, for a console that has no tabs stored yet. GraphiQL 3.9 opens the
 * first of `defaultTabs` with its query but fills the variables editor only from its `variables`
 * prop or from storage (GraphiQLProvider's initial state takes `variables ?? ""`, not the tab's), so
 * without this the first tab showed an empty Variables pane until another tab was chosen, and ran
 * with no variables at all ("Variable 'input' has coerced Null value"). With tabs stored, GraphiQL
 * restores them and this is left out (given, it would not match a stored tab, and GraphiQL would
 * open one more).
 */
function firstTabVariables() {
  return storage?.getItem('graphiql:tabState') ? undefined : tabs[0]?.variables;
}

createRoot(document.getElementById('graphiql')).render(
  createElement(
    'div',
    { style: { display: 'flex', flexDirection: 'column', height: '100%' } },
    config.userPool ? createElement(AuthBar) : null,
    createElement(
      'div',
      { style: { flex: 1, minHeight: 0 } },
      createElement(GraphiQL, {
        fetcher,
        defaultHeaders: headers,
        defaultTabs: tabs,
        variables: firstTabVariables(),
        storage,
        shouldPersistHeaders: false,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: 'variables',
      }),
    ),
  ),
);
