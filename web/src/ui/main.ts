/**
 * The web client's entry: reads its configuration file (amplify-config.json beside the page:
 * Amplify's ResourcesConfig, infra/client-config.ts), configures aws-amplify v6 with it as it is,
 * and shows the view the address names. The same build runs against the local stack and AWS; only
 * that file differs.
 */
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { fetchAuthSession, getCurrentUser } from 'aws-amplify/auth';
import { STAFF_GROUP } from '../../../resolvers/lib/roles';
import { parseClientConfig, type ClientConfig } from '../../../infra/client-config';
import { renderAccountBar, renderSignIn, renderSignUp } from './account';
import { MY_MARKS_ROUTE, routeOf, type App } from './app';
import { h } from './dom';
import { renderMarkPage } from './mark-page';
import { renderMyMarks } from './my-marks';
import { renderStorefront } from './storefront';

/** Beside index.html, so the build can be hosted under any path. */
const CONFIG_FILE = 'amplify-config.json';

async function loadConfig(): Promise<ClientConfig> {
  const response = await fetch(CONFIG_FILE, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${CONFIG_FILE} could not be read (HTTP ${response.status})`);
  return parseClientConfig(await response.json());
}

/** Whether the signed-in user's token names the staff group (false when no one is signed in). */
async function isStaff(): Promise<boolean> {
  const session = await fetchAuthSession().catch(() => null);
  const groups = session?.tokens?.accessToken.payload['cognito:groups'];
  return Array.isArray(groups) && groups.includes(STAFF_GROUP);
}

async function start(main: HTMLElement, accountBar: HTMLElement, myMarksLink: HTMLAnchorElement) {
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
  let staff = username !== null && (await isStaff());
  let dispose = () => {};
  const app: App = {
    client: generateClient<never>(),
    config,
    get username() {
      return username;
    },
    get staff() {
      return staff;
    },
    authMode: () => (username ? 'userPool' : 'apiKey'),
    canReadPublicly: () => username !== null || !!config.API.GraphQL.apiKey,
    async setUser(name) {
      username = name;
      staff = name !== null && (await isStaff());
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
    myMarksLink.hidden = username === null;
    myMarksLink.href = MY_MARKS_ROUTE;
    const route = routeOf(location.hash);
    if (route.view === 'sign-in') renderSignIn(main, app);
    else if (route.view === 'sign-up') renderSignUp(main, app);
    else {
      // where a sign-in started from this view comes back to
      app.returnTo = location.hash || '#/';
      dispose = route.view === 'mark' ? renderMarkPage(main, app, route.mark) : route.view === 'my-marks' ? renderMyMarks(main, app) : renderStorefront(main, app);
    }
    document.title = `${main.querySelector('h1')?.textContent ?? 'Registration marks'} · Registration marks`;
  }
  window.addEventListener('hashchange', show);
  show();
}

void start(document.getElementById('main')!, document.getElementById('account')!, document.getElementById('my-marks-link') as HTMLAnchorElement);
