/**
 * Commands: the validated, canonical form of each mutation's input (see validation.ts). The
 * `kind` is the mutation's field name, so a resolver finds its command by ctx.info.fieldName.
 */
import type { MarkStatus } from './graphql';
import type { AddressData, EntitlementData } from './events';

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
  | (Common & { kind: 'createEntitlement'; price?: number; status: MarkStatus; entitlement: EntitlementData })
  | (Versioned & { kind: 'extendEntitlement'; expiryTime: string; agreementTime?: string })
  | (Versioned & { kind: 'changeAddress'; address: AddressData })
  | (Versioned & { kind: 'changeNominee'; nomineeName: string })
  | (Versioned & { kind: 'issueDuplicateCertificate' })
  | (Versioned & { kind: 'lockMark' })
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
  'unlockMark',
  'forgetMark',
];

export function isCreate(command: Command): command is CreateCommand {
  return command.kind === 'releaseMark' || command.kind === 'createEntitlement';
}
