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
  /** a signed-in user's token, else the public API key */
  authMode(): AuthMode;
  /** whether public reads can be made at all: signed in, or the configuration holds an API key */
  canReadPublicly(): boolean;
  /** after a sign-in or sign-out */
  setUser(username: string | null): void;
  /** goes to a view (a hash route), remembering where a sign-in should come back to */
  go(route: string): void;
  /** the route a sign-in returns to */
  returnTo: string;
}

/** The page's routes: the storefront, one mark's page, the account forms. */
export type Route = { view: 'storefront' } | { view: 'mark'; mark: string } | { view: 'sign-in' } | { view: 'sign-up' };

export function routeOf(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const mark = /^\/mark\/(.+)$/.exec(path);
  if (mark) return { view: 'mark', mark: decodeURIComponent(mark[1]!) };
  if (path === '/sign-in') return { view: 'sign-in' };
  if (path === '/sign-up') return { view: 'sign-up' };
  return { view: 'storefront' };
}

export const markRoute = (mark: string) => `#/mark/${encodeURIComponent(mark)}`;
