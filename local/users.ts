/**
 * mark-api's local user pool: its ids, its groups (one per role of resolvers/lib/roles.ts, as
 * infra/constructs/user-pool.ts creates them in AWS) and one seeded user per role, with printed
 * passwords — a development convenience of the local pool only (infra/ seeds nobody; staff are
 * added there by administrators).
 */
import type { SeededUser, UserPoolOptions } from 'appsync-local';
import { MARK_API_USER_POOL_BEHAVIOUR } from '../infra/auth';
import { DATA_PROTECTION_GROUP, STAFF_GROUP } from '../resolvers/lib/roles';

/** The roles the seeded users stand for (tests and the seed name them). */
export type SeededRole = 'staff' | 'dataProtection' | 'purchaserA' | 'purchaserB';

export const SEEDED_USERS: readonly SeededUser<SeededRole>[] = [
  { role: 'staff', username: 'staff', email: 'staff@registry.example', password: 'Staff-Local-1', groups: [STAFF_GROUP] },
  { role: 'dataProtection', username: 'dataprotection', email: 'dpo@registry.example', password: 'DataProtection-Local-1', groups: [DATA_PROTECTION_GROUP] },
  { role: 'purchaserA', username: 'purchaser-a', email: 'purchaser-a@example.com', password: 'PurchaserA-Local-1', groups: [] },
  { role: 'purchaserB', username: 'purchaser-b', email: 'purchaser-b@example.com', password: 'PurchaserB-Local-1', groups: [] },
];

/** The pool npm start and the tests run: stable ids, so sign-in settings survive a restart. */
export const MARK_API_USER_POOL = {
  poolId: 'us-east-1_LocalMarkApi',
  /** 26 lower-case characters, as Cognito's app client ids */
  clientId: 'localmarkapiwebandmobile01',
  groups: [STAFF_GROUP, DATA_PROTECTION_GROUP],
  users: SEEDED_USERS,
  // as the deployed pool and app client (infra/constructs/user-pool.ts)
  ...MARK_API_USER_POOL_BEHAVIOUR,
} satisfies UserPoolOptions;
