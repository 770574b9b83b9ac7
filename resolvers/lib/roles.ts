/**
 * The user pool groups that carry a role (DESIGN.md section 7). One home: the schema's
 * `@aws_cognito_user_pools(cognito_groups: [...])` directives, infra/'s user pool groups, the
 * local user pool's seeded users and `authorize` all name these.
 */

/** Registry staff: every command and every read. */
export const STAFF_GROUP = 'staff';

/** Data protection officers: `forgetMark`, and the reads it needs. */
export const DATA_PROTECTION_GROUP = 'dataProtection';
