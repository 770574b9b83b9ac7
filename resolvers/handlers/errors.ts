/** Domain errors and data source failures as AppSync errors (DESIGN.md section 5). */
import { util } from '@aws-appsync/utils';
import { validationError, type DomainError } from '../lib/errors';

export function raise(error: DomainError): never {
  return util.error(error.message, error.errorType, null, error.errorInfo);
}

/** A data source failure nobody expected: passed on with DynamoDB's own type and message. */
export function raiseDataSourceError(error: { message: string; type?: string } | undefined): void {
  if (error) util.error(error.message, error.type);
}

/**
 * A page read: a nextToken DynamoDB cannot use is the caller's bad input (ValidationError on
 * nextToken, DESIGN.md section 5), not a data source failure; any other failure is passed on.
 * AppSync reports a token it cannot read as DynamoDB:UserIllegalArgumentException
 * (InvalidPaginationTokenException, aws-amplify/amplify-cli#3411); DynamoDB itself refuses a
 * readable one that does not fit the key with a ValidationException.
 */
export function raisePageError(error: { message: string; type?: string } | undefined, nextToken: string | null | undefined): void {
  if (error && nextToken && (error.type === 'DynamoDB:UserIllegalArgumentException' || error.type === 'DynamoDB:ValidationException')) {
    raise(validationError([{ field: 'nextToken', reason: 'is not a nextToken this query returned' }]));
  }
  raiseDataSourceError(error);
}
