/**
 * The account: the header's "signed in as" line, and the sign-in and sign-up views. Sign-up is
 * Cognito's: SignUp, then ConfirmSignUp with the code the pool sends (the local pool prints it on
 * npm start's terminal), then the same sign-in as every client (web/src/sign-in.ts).
 */
import { confirmSignUp, getCurrentUser, signOut, signUp } from 'aws-amplify/auth';
import { readableError } from '../errors';
import { signInWithPassword } from '../sign-in';
import type { App } from './app';
import { field, h, valueOf } from './dom';

export function renderAccountBar(root: HTMLElement, app: App): void {
  if (app.username) {
    root.replaceChildren(
      h('span', { testid: 'signed-in-as' }, 'Signed in as ', h('strong', {}, app.username)),
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            // The page's subscriptions close first (setUser re-renders: the mark page's follow stops),
            // whatever the sign-out call does: AppSync checks a token's signature and expiry only, so
            // a subscription started with it would outlive a revocation (docs/AUTHORIZATION.md).
            app.setUser(null);
            // revokes this sign-in's refresh token and, for the user pool's own APIs, its access token (RevokeToken)
            await signOut().catch(() => {});
          },
        },
        'Sign out',
      ),
    );
  } else {
    root.replaceChildren(h('a', { href: '#/sign-in' }, 'Sign in'), h('a', { href: '#/sign-up' }, 'Create an account'));
  }
}

/** A form's error line (role=alert, so it is read out), filled from any failure. */
function errorLine(app: App) {
  const line = h('p', { role: 'alert', testid: 'error', class: 'error', hidden: true });
  return {
    line,
    show(err: unknown) {
      const readable = readableError(err, { signedIn: app.username !== null });
      line.textContent = readable.message;
      line.dataset.code = readable.code;
      line.hidden = false;
    },
    clear() {
      line.textContent = '';
      line.hidden = true;
    },
  };
}

/** Runs a form's action with its button disabled; a failure is shown, not thrown. */
function onSubmit(form: HTMLFormElement, error: ReturnType<typeof errorLine>, action: () => Promise<void>) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement | null;
    error.clear();
    if (button) button.disabled = true;
    try {
      await action();
    } catch (err) {
      error.show(err);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

async function signInAndReturn(app: App, username: string, password: string) {
  await signInWithPassword(username, password);
  // the pool's own name for the user (one may sign in with their email address)
  app.setUser((await getCurrentUser()).username);
  app.go(app.returnTo);
}

export function renderSignIn(root: HTMLElement, app: App): void {
  const error = errorLine(app);
  const form = h(
    'form',
    { 'aria-labelledby': 'sign-in-heading' },
    field('Username or email', { field: 'username', required: true, autocomplete: 'username' }),
    field('Password', { field: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
    error.line,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  onSubmit(form, error, () => signInAndReturn(app, valueOf(form, 'username') ?? '', (form.elements.namedItem('password') as HTMLInputElement).value));
  root.replaceChildren(h('h1', { id: 'sign-in-heading' }, 'Sign in'), form, h('p', {}, 'No account yet? ', h('a', { href: '#/sign-up' }, 'Create one')));
}

export function renderSignUp(root: HTMLElement, app: App): void {
  const error = errorLine(app);
  const form = h(
    'form',
    { 'aria-labelledby': 'sign-up-heading' },
    field('Username', { field: 'username', required: true, autocomplete: 'username' }),
    field('Email', { field: 'email', type: 'email', required: true, autocomplete: 'email' }),
    field('Password', { field: 'password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters, with upper and lower case letters, a digit and a symbol.' }),
    error.line,
    h('button', { type: 'submit' }, 'Create account'),
  );
  onSubmit(form, error, async () => {
    const username = valueOf(form, 'username') ?? '';
    const password = (form.elements.namedItem('password') as HTMLInputElement).value;
    const result = await signUp({ username, password, options: { userAttributes: { email: valueOf(form, 'email') ?? '' } } });
    if (result.nextStep.signUpStep === 'CONFIRM_SIGN_UP') {
      const destination = result.nextStep.codeDeliveryDetails.destination;
      renderConfirm(root, app, username, password, destination);
    } else {
      await signInAndReturn(app, username, password);
    }
  });
  root.replaceChildren(h('h1', { id: 'sign-up-heading' }, 'Create an account'), form);
}

/** The second step of sign-up: the code, then signed in with the password just chosen. */
function renderConfirm(root: HTMLElement, app: App, username: string, password: string, destination: string | undefined) {
  const error = errorLine(app);
  const local = app.config.Auth.Cognito.userPoolEndpoint !== undefined;
  const form = h(
    'form',
    { 'aria-labelledby': 'confirm-heading' },
    h('p', {}, local ? 'The local user pool mails nothing: the code is printed on the terminal where npm start runs.' : `We sent a code to ${destination ?? 'your email address'}.`),
    field('Confirmation code', { field: 'code', required: true, autocomplete: 'one-time-code' }),
    error.line,
    h('button', { type: 'submit' }, 'Confirm and sign in'),
  );
  onSubmit(form, error, async () => {
    await confirmSignUp({ username, confirmationCode: valueOf(form, 'code') ?? '' });
    await signInAndReturn(app, username, password);
  });
  root.replaceChildren(h('h1', { id: 'confirm-heading' }, `Confirm the account ${username}`), form);
  (form.elements.namedItem('code') as HTMLInputElement).focus();
}
