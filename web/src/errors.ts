/**
 * What a failure says to a person: each typed error of the API (docs/MARK-DOMAIN.md, "Errors";
 * DESIGN.md section 5) and each refusal of the user pool (Cognito's exception names, which Amplify
 * keeps as the error's name) as a sentence, with what the page can offer — a reload when someone
 * else changed the mark, the fields a ValidationError names. No DOM here: the web client shows it,
 * tests read it.
 */
import { eventTimeLabel, statusLabel } from './labels';

export interface ReadableError {
  /** the sentence shown */
  message: string;
  /** the errorType (API) or exception name (user pool), for a program */
  code: string;
  /** the mark changed under the reader: offer to load it again */
  reload: boolean;
  /** a ValidationError's problems, by input path ("input.address.postcode") */
  fields: { field: string; reason: string }[];
}

interface ApiError {
  errorType?: string | null;
  message?: string;
  errorInfo?: Record<string, unknown> | null;
}

export interface ReadableContext {
  signedIn: boolean;
  /** a field's label on the form that sent it; by default its path's last name, in words */
  labelOf?(field: string): string | undefined;
}

/** The GraphQL errors of an Amplify rejection ({ data, errors }), if it is one. */
export function graphqlErrorsOf(err: unknown): ApiError[] {
  const errors = (err as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors as ApiError[]) : [];
}

/** "input.entitlement.address.postcode" → "postcode"; "purchaserName" → "purchaser name". */
export function fieldWords(field: string): string {
  const last = field.split('.').pop() ?? field;
  const words = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.replace(/^add line (\d)$/, 'address line $1');
}

export function readableError(err: unknown, context: ReadableContext): ReadableError {
  const [first] = graphqlErrorsOf(err);
  if (first) return apiError(first, graphqlErrorsOf(err), context);
  const name = (err as { name?: string } | null)?.name ?? '';
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const user = USER_POOL[name];
  if (user) return plain(name, user(message));
  if (name === 'NoValidAuthTokens' || name === 'UserUnAuthenticatedException') return plain(name, 'You are signed out: sign in again.');
  if (/network|fetch/i.test(`${name} ${message}`)) return plain('NetworkError', `The registry could not be reached (${message || name}). Check the connection and try again.`);
  return plain(name || 'Error', message ? `Something went wrong: ${message}` : 'Something went wrong.');
}

const plain = (code: string, message: string): ReadableError => ({ code, message, reload: false, fields: [] });

const when = (iso: unknown) => (typeof iso === 'string' && iso ? eventTimeLabel(iso) : undefined);

function apiError(first: ApiError, all: ApiError[], context: ReadableContext): ReadableError {
  const code = first.errorType ?? 'GraphQLError';
  const info = first.errorInfo ?? {};
  switch (code) {
    case 'ConcurrentModification': {
      const versions =
        typeof info.expectedVersion === 'number' && typeof info.actualVersion === 'number'
          ? ` (you had version ${info.expectedVersion}; it is now at version ${info.actualVersion})`
          : '';
      return { code, reload: true, fields: [], message: `Someone else changed this mark since you loaded it${versions}. Nothing you sent was saved: reload it to see the change, then try again.` };
    }
    case 'MarkLocked': {
      const until = when(info.lockedUntil);
      return { code, reload: true, fields: [], message: `Someone else is buying this mark: it is locked${until ? ` until ${until}` : ''}. Try again once the lock ends.` };
    }
    case 'MarkNotAvailable': {
      const status = typeof info.status === 'string' ? ` (it is ${statusLabel(info.status).toLowerCase()})` : '';
      return { code, reload: true, fields: [], message: `This mark is not for sale${status}.` };
    }
    case 'MarkNotFound':
      return { code, reload: false, fields: [], message: `There is no mark ${typeof info.mark === 'string' ? info.mark : 'of that name'}: it was never released, or it has been withdrawn.` };
    case 'MarkAlreadyExists':
      return { code, reload: true, fields: [], message: `${typeof info.mark === 'string' ? `The mark ${info.mark}` : 'That mark'} exists already.` };
    case 'ValidationError': {
      const fields = all.flatMap((e) => (Array.isArray(e.errorInfo?.errors) ? (e.errorInfo.errors as { field: string; reason: string }[]) : []));
      const label = (field: string) => context.labelOf?.(field) ?? fieldWords(field);
      const list = fields.map((f) => `${label(f.field)}: ${f.reason}`).join('; ');
      return { code, reload: false, fields, message: list ? `Please correct what you entered. ${list}.` : `Please correct what you entered: ${first.message ?? 'it was not accepted'}.` };
    }
    case 'Unauthorized':
      return plain(
        code,
        context.signedIn ? 'You may not do that: only the mark’s owner (or registry staff) may, and only what the mark’s state allows.' : 'Sign in first: you need an account for that.',
      );
    case 'UnauthorizedException':
      return plain(code, 'The registry did not accept your sign-in: sign out and sign in again.');
    case 'CommandIdReused':
      return plain(code, 'That request was already used for a different change, so nothing was saved. Try again.');
    case 'ExecutionTimeout':
      return plain(code, 'The registry took too long to answer. Try again.');
    default:
      return plain(code, `The registry refused that: ${first.message ?? code}.`);
  }
}

/** The user pool's refusals (sign-up, confirmation, sign-in), by Cognito exception name. */
const USER_POOL: Record<string, (message: string) => string> = {
  NotAuthorizedException: () => 'Incorrect username or password.',
  UserNotFoundException: () => 'Incorrect username or password.',
  UserNotConfirmedException: () => 'This account is not confirmed yet: enter the code you were sent.',
  UsernameExistsException: () => 'That username is taken: choose another.',
  AliasExistsException: () => 'An account with that email address exists already: sign in with it, or sign up with another address.',
  CodeMismatchException: () => 'That confirmation code is not right: check it and try again.',
  ExpiredCodeException: () => 'That confirmation code has expired: sign up again for a new one.',
  InvalidPasswordException: (message) => `Choose a stronger password: ${message.replace(/^Password did not conform with policy: /, '')}`,
  InvalidParameterException: (message) => `The user pool refused that: ${message}`,
  LimitExceededException: () => 'Too many attempts: wait a while and try again.',
  TooManyRequestsException: () => 'Too many attempts: wait a while and try again.',
  EmptySignInUsername: () => 'Enter your username.',
  EmptySignInPassword: () => 'Enter your password.',
  EmptySignUpUsername: () => 'Enter a username.',
  EmptySignUpPassword: () => 'Enter a password.',
  EmptyConfirmSignUpCode: () => 'Enter the confirmation code.',
  UserAlreadyAuthenticatedException: () => 'You are signed in already.',
};
