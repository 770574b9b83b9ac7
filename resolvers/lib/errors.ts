/**
 * The typed domain errors of DESIGN.md section 5. The lib returns them as values (APPSYNC_JS has
 * no throw); resolvers turn them into util.error(message, errorType, null, errorInfo).
 */

export interface FieldProblem {
  /** path of the offending argument, e.g. "input.entitlement.address.postcode" */
  field: string;
  reason: string;
}

export type DomainError =
  | { errorType: 'ConcurrentModification'; message: string; errorInfo: { expectedVersion: number; actualVersion: number } }
  | { errorType: 'MarkNotFound'; message: string; errorInfo: { mark: string } }
  | { errorType: 'MarkAlreadyExists'; message: string; errorInfo: { mark: string; version: number } }
  | { errorType: 'MarkNotAvailable' | 'MarkLocked'; message: string; errorInfo: { mark: string; status: string; lockedUntil: string | null } }
  /** a commandId already used for another mutation or other input: the stored event's type and version, no data */
  | { errorType: 'CommandIdReused'; message: string; errorInfo: { mark: string; type: string; version: number } }
  /** the caller's role may not do this (to this mark): errorInfo is null, so a refusal tells nothing about the mark's people */
  | { errorType: 'Unauthorized'; message: string; errorInfo: null }
  /** every problem of one request together: errorInfo.errors lists each { field, reason } */
  | { errorType: 'ValidationError'; message: string; errorInfo: { errors: FieldProblem[] } };

export function concurrentModification(expectedVersion: number, actualVersion: number): DomainError {
  return {
    errorType: 'ConcurrentModification',
    message: `Expected version ${expectedVersion} but the mark is at version ${actualVersion}`,
    errorInfo: { expectedVersion, actualVersion },
  };
}

export function markNotFound(mark: string): DomainError {
  return { errorType: 'MarkNotFound', message: `Mark ${mark} not found`, errorInfo: { mark } };
}

export function markAlreadyExists(mark: string, version: number): DomainError {
  return { errorType: 'MarkAlreadyExists', message: `Mark ${mark} already exists (version ${version})`, errorInfo: { mark, version } };
}

export function lockRefused(errorType: 'MarkNotAvailable' | 'MarkLocked', mark: string, status: string, lockedUntil: string | null): DomainError {
  const why = errorType === 'MarkLocked' ? `is locked until ${lockedUntil}` : `is not available (status ${status})`;
  return { errorType, message: `Mark ${mark} ${why}`, errorInfo: { mark, status, lockedUntil } };
}

export function validationError(errors: FieldProblem[]): DomainError {
  const summary = errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
  return { errorType: 'ValidationError', message: `Invalid input: ${summary}`, errorInfo: { errors } };
}

/** The client's commandId is not echoed: it is free text of theirs, and the stored event's data stays unsaid. */
export function commandIdReused(mark: string, type: string, version: number): DomainError {
  return {
    errorType: 'CommandIdReused',
    message: `The commandId was already used at version ${version} of ${mark} (${type}) by another command or with other input`,
    errorInfo: { mark, type, version },
  };
}

/**
 * A refusal worded as AppSync words util.unauthorized() ("Not Authorized to access <field> on type
 * <Type>", resolver-util-reference-js): nothing about the mark, its owner or the lock holder.
 */
export function unauthorized(operation: string, typeName: string): DomainError {
  return { errorType: 'Unauthorized', message: `Not Authorized to access ${operation} on type ${typeName}`, errorInfo: null };
}
