/**
 * What every view of the web client shares: the Amplify client, the configuration it was given,
 * who is signed in, and how to move between views.
 */
import type { ClientConfig } from '../../../infra/client-config';
import type { AuthMode, Client } from '../events';

export interface App {
  client: Client;
  config: ClientConfig;
  /** the signed-in user's name, or null */
  readonly username: string | null;
  /**
   * whether the signed-in user is in the staff group (their token's cognito:groups): the page then
   * offers staff's tools; the API decides what they may do whatever the page shows
   */
  readonly staff: boolean;
  /** a signed-in user's token, else the public API key */
  authMode(): AuthMode;
  /** whether public reads can be made at all: signed in, or the configuration holds an API key */
  canReadPublicly(): boolean;
  /** after a sign-in or sign-out: reads the user's groups, then shows the view again */
  setUser(username: string | null): Promise<void>;
  /** goes to a view (a hash route), remembering where a sign-in should come back to */
  go(route: string): void;
  /** the route a sign-in returns to */
  returnTo: string;
}

/** The page's routes: the storefront, one mark's page, the signed-in user's marks, the account forms. */
export type Route = { view: 'storefront' } | { view: 'mark'; mark: string } | { view: 'my-marks' } | { view: 'sign-in' } | { view: 'sign-up' };

export function routeOf(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const mark = /^\/mark\/(.+)$/.exec(path);
  if (mark) return { view: 'mark', mark: decodeURIComponent(mark[1]!) };
  if (path === '/my-marks') return { view: 'my-marks' };
  if (path === '/sign-in') return { view: 'sign-in' };
  if (path === '/sign-up') return { view: 'sign-up' };
  return { view: 'storefront' };
}

export const markRoute = (mark: string) => `#/mark/${encodeURIComponent(mark)}`;
export const MY_MARKS_ROUTE = '#/my-marks';
