export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An extended ISO 8601 date string: YYYY-MM-DD, optionally with a time zone offset. */
  AWSDate: { input: string; output: string; }
  /** An extended ISO 8601 date and time string: YYYY-MM-DDThh:mm:ss.sssZ (a time zone offset is required). */
  AWSDateTime: { input: string; output: string; }
  /** An email address of the form local-part@domain-part (RFC 822). */
  AWSEmail: { input: string; output: string; }
  /** An IPv4 or IPv6 address, optionally with a CIDR suffix. */
  AWSIPAddress: { input: string; output: string; }
  /** A JSON string; resolvers receive it parsed into maps, lists or scalar values. */
  AWSJSON: { input: string; output: string; }
  /** A phone number; digit groups may be separated by spaces or hyphens. */
  AWSPhone: { input: string; output: string; }
  /** An extended ISO 8601 time string: hh:mm:ss.sss, optionally with a time zone offset. */
  AWSTime: { input: string; output: string; }
  /** An integer number of seconds before or after 1970-01-01T00:00Z. */
  AWSTimestamp: { input: number; output: number; }
  /** A URL as defined by RFC 1738, with a scheme (http, mailto...). */
  AWSURL: { input: string; output: string; }
};

/** Personal data: never reachable with the API key. */
export type Address = {
  __typename?: 'Address';
  addLine1: Scalars['String']['output'];
  addLine2?: Maybe<Scalars['String']['output']>;
  addLine3?: Maybe<Scalars['String']['output']>;
  addLine4?: Maybe<Scalars['String']['output']>;
  postTown: Scalars['String']['output'];
  postcode: Scalars['String']['output'];
};

export type AddressInput = {
  addLine1: Scalars['String']['input'];
  addLine2?: InputMaybe<Scalars['String']['input']>;
  addLine3?: InputMaybe<Scalars['String']['input']>;
  addLine4?: InputMaybe<Scalars['String']['input']>;
  postTown: Scalars['String']['input'];
  postcode: Scalars['String']['input'];
};

export type ChangeAddressInput = {
  address: AddressInput;
  commandId?: InputMaybe<Scalars['ID']['input']>;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  expectedVersion: Scalars['Int']['input'];
  mark: Scalars['ID']['input'];
};

export type ChangeNomineeInput = {
  commandId?: InputMaybe<Scalars['ID']['input']>;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  expectedVersion: Scalars['Int']['input'];
  mark: Scalars['ID']['input'];
  nomineeName: Scalars['String']['input'];
};

/** The shape of the original's create request (POST /mark/v1/entitlement). */
export type CreateEntitlementInput = {
  commandId?: InputMaybe<Scalars['ID']['input']>;
  entitlement: EntitlementInput;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  mark: Scalars['ID']['input'];
  /** The user pool sub of the owner, when the sale was made to a user of the API (staff only command). */
  owner?: InputMaybe<Scalars['ID']['input']>;
  price?: InputMaybe<Scalars['Int']['input']>;
  /** Defaults to MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER. */
  status?: InputMaybe<MarkStatus>;
};

/** Personal data: never reachable with the API key. */
export type Entitlement = {
  __typename?: 'Entitlement';
  address?: Maybe<Address>;
  agreementTime?: Maybe<Scalars['AWSDateTime']['output']>;
  certificateNo: Scalars['String']['output'];
  certificateTime?: Maybe<Scalars['AWSDateTime']['output']>;
  customerId?: Maybe<Scalars['String']['output']>;
  expiryTime?: Maybe<Scalars['AWSDateTime']['output']>;
  nomineeName?: Maybe<Scalars['String']['output']>;
  purchaserName?: Maybe<Scalars['String']['output']>;
  telephoneNo?: Maybe<Scalars['String']['output']>;
};

export type EntitlementInput = {
  address: AddressInput;
  agreementTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  certificateNo: Scalars['String']['input'];
  certificateTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  customerId?: InputMaybe<Scalars['String']['input']>;
  expiryTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  nomineeName?: InputMaybe<Scalars['String']['input']>;
  purchaserName: Scalars['String']['input'];
  telephoneNo?: InputMaybe<Scalars['String']['input']>;
};

export type ExtendEntitlementInput = {
  agreementTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  commandId?: InputMaybe<Scalars['ID']['input']>;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  expectedVersion: Scalars['Int']['input'];
  /** Must be later than the current expiry. */
  expiryTime: Scalars['AWSDateTime']['input'];
  mark: Scalars['ID']['input'];
};

export type ForgetMarkInput = {
  commandId?: InputMaybe<Scalars['ID']['input']>;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  expectedVersion: Scalars['Int']['input'];
  mark: Scalars['ID']['input'];
};

/** The new certificate number is generated by the server. */
export type IssueDuplicateCertificateInput = {
  commandId?: InputMaybe<Scalars['ID']['input']>;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  expectedVersion: Scalars['Int']['input'];
  mark: Scalars['ID']['input'];
};

export type LockMarkInput = {
  commandId?: InputMaybe<Scalars['ID']['input']>;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  expectedVersion: Scalars['Int']['input'];
  mark: Scalars['ID']['input'];
};

/** The current (or replayed) state of a mark. */
export type Mark = {
  __typename?: 'Mark';
  entitlement?: Maybe<Entitlement>;
  /** Business time of the last event that carried one. */
  eventTime?: Maybe<Scalars['AWSDateTime']['output']>;
  /** Whether the caller took that lock (never who else did: the holder is personal data); false for the API key. */
  lockedByYou?: Maybe<Scalars['Boolean']['output']>;
  /** Set while a lock is or was held; a time in the past means the mark is not locked. */
  lockedUntil?: Maybe<Scalars['AWSDateTime']['output']>;
  /** Canonical form: upper case, single inner spaces, e.g. "AFC F5". */
  mark: Scalars['ID']['output'];
  price?: Maybe<Scalars['Int']['output']>;
  status: MarkStatus;
  /** recordedAt of the last event applied. */
  updatedAt: Scalars['AWSDateTime']['output'];
  /** Version of the last event applied. */
  version: Scalars['Int']['output'];
};

export type MarkConnection = {
  __typename?: 'MarkConnection';
  items: Array<Mark>;
  nextToken?: Maybe<Scalars['String']['output']>;
};

/** One immutable event of a mark's stream. */
export type MarkEvent = {
  __typename?: 'MarkEvent';
  commandId?: Maybe<Scalars['ID']['output']>;
  /** The event's own fields (a delta) that are not personal data, as JSON: the same for every reader. */
  data?: Maybe<Scalars['AWSJSON']['output']>;
  /** Client business time, when given. */
  eventTime?: Maybe<Scalars['AWSDateTime']['output']>;
  mark: Scalars['ID']['output'];
  /**
   * The version at which the mark's owner (after this event) came to own it; null while it has none.
   * Not personal: it lets a subscription follow one ownership, and end when the mark changes hands.
   */
  ownership?: Maybe<Scalars['Int']['output']>;
  /**
   * The event's personal data (names, addresses, telephone numbers, customer ids, certificate numbers,
   * owner and lock holder), as JSON; null when it has none or the reader is neither the mark's current
   * owner (for the events of their ownership) nor staff. docs/AUTHORIZATION.md.
   */
  personalData?: Maybe<Scalars['AWSJSON']['output']>;
  /** Server time, UTC with milliseconds. */
  recordedAt: Scalars['AWSDateTime']['output'];
  type: MarkEventType;
  version: Scalars['Int']['output'];
};

export type MarkEventConnection = {
  __typename?: 'MarkEventConnection';
  items: Array<MarkEvent>;
  nextToken?: Maybe<Scalars['String']['output']>;
};

export type MarkEventType =
  | 'ADDRESS_CHANGED'
  | 'DUPLICATE_CERTIFICATE_ISSUED'
  | 'ENTITLEMENT_CREATED'
  | 'ENTITLEMENT_EXTENDED'
  | 'MARK_FORGOTTEN'
  | 'MARK_LOCKED'
  | 'MARK_PURCHASED'
  | 'MARK_RELEASED'
  | 'MARK_UNLOCKED'
  | 'NOMINEE_CHANGED';

/** The twenty statuses of the original mark-api. */
export type MarkStatus =
  | 'CERTIFICATE_ISSUED_PAYMENT_NOT_YET_RECEIVED'
  | 'CERTIFICATE_ISSUED_PAYMENT_RECEIVED'
  | 'CHEQUE_BANKED_NOT_YET_CLEARED'
  | 'DEALER_STOPPED'
  | 'DVLA_ACCREDITED_DEALER_SALE'
  | 'ISSUE_DUPLICATE_CERTIFICATE'
  | 'ISSUE_REPLACEMENT_CERTIFICATE'
  | 'MARK_ASSIGNED'
  | 'MARK_ASSIGNED_PAYMENT_NOT_YET_RECEIVED'
  | 'MARK_AVAILABLE'
  | 'MARK_PENDING_PAYMENT_BY_CHEQUE'
  | 'MARK_PURCHASED_BY_PAYMENT_CARD_CERT_NOT_YET_ISSUED'
  | 'MARK_RESERVED_CHEQUE_OVERDUE'
  | 'MARK_SOLD_ISSUE_CERTIFICATE_TO_PURCHASER'
  | 'MARK_STOPPED_ASSIGNMENT_FEE_REPAID'
  | 'MARK_STOPPED_CHEQUE_RETURNED'
  | 'MARK_STOPPED_NO_FURTHER_ACTION_ALLOWED'
  | 'OFFENSIVE'
  | 'RD_CHEQUE_AFTER_V750_ISSUED'
  | 'REMOVE_MARK_FROM_SALE';

export type Mutation = {
  __typename?: 'Mutation';
  changeAddress: MarkEvent;
  changeNominee: MarkEvent;
  createEntitlement: MarkEvent;
  extendEntitlement: MarkEvent;
  forgetMark: MarkEvent;
  issueDuplicateCertificate: MarkEvent;
  lockMark: MarkEvent;
  purchaseMark: MarkEvent;
  releaseMark: MarkEvent;
  /** Staff only: ends every live onMarkEvent subscription of the user, who may subscribe again with the rights they now have. */
  revokeSubscriptions: Revocation;
  unlockMark: MarkEvent;
};


export type MutationChangeAddressArgs = {
  input: ChangeAddressInput;
};


export type MutationChangeNomineeArgs = {
  input: ChangeNomineeInput;
};


export type MutationCreateEntitlementArgs = {
  input: CreateEntitlementInput;
};


export type MutationExtendEntitlementArgs = {
  input: ExtendEntitlementInput;
};


export type MutationForgetMarkArgs = {
  input: ForgetMarkInput;
};


export type MutationIssueDuplicateCertificateArgs = {
  input: IssueDuplicateCertificateInput;
};


export type MutationLockMarkArgs = {
  input: LockMarkInput;
};


export type MutationPurchaseMarkArgs = {
  input: PurchaseMarkInput;
};


export type MutationReleaseMarkArgs = {
  input: ReleaseMarkInput;
};


export type MutationRevokeSubscriptionsArgs = {
  input: RevokeSubscriptionsInput;
};


export type MutationUnlockMarkArgs = {
  input: UnlockMarkInput;
};

/** What a buyer gives; the certificate number and time are the server's. */
export type PurchaseEntitlementInput = {
  address: AddressInput;
  agreementTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  customerId?: InputMaybe<Scalars['String']['input']>;
  expiryTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  nomineeName?: InputMaybe<Scalars['String']['input']>;
  purchaserName: Scalars['String']['input'];
  telephoneNo?: InputMaybe<Scalars['String']['input']>;
};

/**
 * Buys a MARK_AVAILABLE mark for the caller, who must hold its live lock or find it unlocked; the
 * caller (from the sign-in, never the input) becomes the owner; payment is taken elsewhere.
 */
export type PurchaseMarkInput = {
  commandId?: InputMaybe<Scalars['ID']['input']>;
  entitlement: PurchaseEntitlementInput;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  expectedVersion: Scalars['Int']['input'];
  mark: Scalars['ID']['input'];
};

export type Query = {
  __typename?: 'Query';
  /** The current state; null for an unknown or forgotten mark. */
  getMark?: Maybe<Mark>;
  /**
   * The state replayed from the events recorded at or before `at` and/or up to `version`;
   * null when there were none, and for any version before the mark was last forgotten.
   */
  getMarkAt?: Maybe<Mark>;
  /** Events in version order from fromVersion (default 1); a forgotten mark's erased history is not listed. */
  listMarkEvents: MarkEventConnection;
  listMarks: MarkConnection;
  /**
   * The marks the signed-in caller owns (from their sign-in, never an argument), with the personal data
   * they may see; staff may name another purchaser by `owner` (their user pool sub), and an IAM caller
   * must. A mark bought a moment ago may take a moment to be listed in AWS (the index is eventually
   * consistent); its page is read from the views, so a mark listed is the caller's.
   */
  listMyMarks: MarkConnection;
};


export type QueryGetMarkArgs = {
  mark: Scalars['ID']['input'];
};


export type QueryGetMarkAtArgs = {
  at?: InputMaybe<Scalars['AWSDateTime']['input']>;
  mark: Scalars['ID']['input'];
  version?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryListMarkEventsArgs = {
  fromVersion?: InputMaybe<Scalars['Int']['input']>;
  limit?: InputMaybe<Scalars['Int']['input']>;
  mark: Scalars['ID']['input'];
  nextToken?: InputMaybe<Scalars['String']['input']>;
};


export type QueryListMarksArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
  nextToken?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<MarkStatus>;
};


export type QueryListMyMarksArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
  nextToken?: InputMaybe<Scalars['String']['input']>;
  owner?: InputMaybe<Scalars['ID']['input']>;
};

export type ReleaseMarkInput = {
  commandId?: InputMaybe<Scalars['ID']['input']>;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  mark: Scalars['ID']['input'];
  price: Scalars['Int']['input'];
};

/** Whose live subscriptions were ended. */
export type Revocation = {
  __typename?: 'Revocation';
  user: Scalars['ID']['output'];
};

/** A user pool user (sub) whose rights changed, e.g. removed from the staff group. */
export type RevokeSubscriptionsInput = {
  user: Scalars['ID']['input'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Every appended event, filtered by mark and optionally by event type. */
  onMarkEvent?: Maybe<MarkEvent>;
};


export type SubscriptionOnMarkEventArgs = {
  mark?: InputMaybe<Scalars['ID']['input']>;
  type?: InputMaybe<MarkEventType>;
};

export type UnlockMarkInput = {
  commandId?: InputMaybe<Scalars['ID']['input']>;
  eventTime?: InputMaybe<Scalars['AWSDateTime']['input']>;
  expectedVersion: Scalars['Int']['input'];
  mark: Scalars['ID']['input'];
};
