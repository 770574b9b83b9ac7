/** Domain errors and data source failures as AppSync errors (DESIGN.md section 5). */
import { util } from '@aws-appsync/utils';
import type { DomainError } from '../lib/errors';

export function raise(error: DomainError): never {
  return util.error(error.message, error.errorType, null, error.errorInfo);
}

/** A data source failure nobody expected: passed on with DynamoDB's own type and message. */
export function raiseDataSourceError(error: { message: string; type?: string } | undefined): void {
  if (error) util.error(error.message, error.type);
}
