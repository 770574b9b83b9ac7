/**
 * Commands: the validated, canonical form of each mutation's input (see validation.ts). The
 * `kind` is the mutation's field name, so a resolver finds its command by ctx.info.fieldName.
 */
import type { MarkStatus } from './graphql';
import type { AddressData, EntitlementData, PurchaseEntitlementData } from './events';

interface Common {
  mark: string;
  commandId?: string;
  /** hash of the canonical command, set beside a commandId (idempotency.ts) */
  commandHash?: string;
  eventTime?: string;
}

interface Versioned extends Common {
  expectedVersion: number;
}

export type Command =
  | (Common & { kind: 'releaseMark'; price: number })
  /** owner: a user pool `sub` staff name as the owner (optional: a sale recorded for someone without an account) */
  | (Common & { kind: 'createEntitlement'; price?: number; status: MarkStatus; entitlement: EntitlementData; owner?: string })
  | (Versioned & { kind: 'extendEntitlement'; expiryTime: string; agreementTime?: string })
  | (Versioned & { kind: 'changeAddress'; address: AddressData })
  | (Versioned & { kind: 'changeNominee'; nomineeName: string })
  | (Versioned & { kind: 'issueDuplicateCertificate' })
  | (Versioned & { kind: 'lockMark' })
  | (Versioned & { kind: 'purchaseMark'; entitlement: PurchaseEntitlementData })
  | (Versioned & { kind: 'unlockMark' })
  | (Versioned & { kind: 'forgetMark' });

export type CommandKind = Command['kind'];

export type CreateCommand = Extract<Command, { kind: 'releaseMark' | 'createEntitlement' }>;

export const COMMAND_KINDS: CommandKind[] = [
  'releaseMark',
  'createEntitlement',
  'extendEntitlement',
  'changeAddress',
  'changeNominee',
  'issueDuplicateCertificate',
  'lockMark',
  'purchaseMark',
  'unlockMark',
  'forgetMark',
];

export function isCreate(command: Command): command is CreateCommand {
  return command.kind === 'releaseMark' || command.kind === 'createEntitlement';
}
