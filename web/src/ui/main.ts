/**
 * The web client's entry: reads its configuration file (amplify-config.json beside the page:
 * Amplify's ResourcesConfig, infra/client-config.ts), configures aws-amplify v6 with it as it is,
 * and shows the view the address names. The same build runs against the local stack and AWS; only
 * that file differs.
 */
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { getCurrentUser } from 'aws-amplify/auth';
import { parseClientConfig, type ClientConfig } from '../../../infra/client-config';
import { renderAccountBar, renderSignIn, renderSignUp } from './account';
import { routeOf, type App } from './app';
import { h } from './dom';
import { renderMarkPage } from './mark-page';
import { renderStorefront } from './storefront';

/** Beside index.html, so the build can be hosted under any path. */
const CONFIG_FILE = 'amplify-config.json';

async function loadConfig(): Promise<ClientConfig> {
  const response = await fetch(CONFIG_FILE, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${CONFIG_FILE} could not be read (HTTP ${response.status})`);
  return parseClientConfig(await response.json());
}

async function start(main: HTMLElement, accountBar: HTMLElement) {
  let config: ClientConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    main.replaceChildren(
      h('h1', {}, 'No client configuration'),
      h('p', { role: 'alert' }, `${(err as Error).message}. `, `This page reads ${CONFIG_FILE} from beside it: npm start writes it for the local stack, npm run client-config for a deployed one.`),
    );
    return;
  }
  Amplify.configure(config);
  let username = await getCurrentUser().then(
    (user) => user.username,
    () => null,
  );
  let dispose = () => {};
  const app: App = {
    client: generateClient<never>(),
    config,
    get username() {
      return username;
    },
    authMode: () => (username ? 'userPool' : 'apiKey'),
    canReadPublicly: () => username !== null || !!config.API.GraphQL.apiKey,
    setUser(name) {
      username = name;
      show();
    },
    go(route) {
      if (location.hash === route) show();
      else location.hash = route;
    },
    returnTo: '#/',
  };

  function show() {
    dispose();
    dispose = () => {};
    renderAccountBar(accountBar, app);
    const route = routeOf(location.hash);
    if (route.view === 'sign-in') renderSignIn(main, app);
    else if (route.view === 'sign-up') renderSignUp(main, app);
    else {
      // where a sign-in started from this view comes back to
      app.returnTo = location.hash || '#/';
      dispose = route.view === 'mark' ? renderMarkPage(main, app, route.mark) : renderStorefront(main, app);
    }
    document.title = `${main.querySelector('h1')?.textContent ?? 'Registration marks'} · Registration marks`;
  }
  window.addEventListener('hashchange', show);
  show();
}

void start(document.getElementById('main')!, document.getElementById('account')!);
