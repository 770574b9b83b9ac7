/**
 * The fields of a mutation's answer that each subscription's enhanced filter compares, beyond the
 * subscription's own arguments (Subscription.onMarkEvent sets mark, type and, for an owner,
 * ownership). AppSync evaluates a filter against the mutation's answer as the mutation selected it,
 * so an event whose mutation left such a field out never reaches the subscribers filtering on it,
 * silently ("Defining enhanced subscriptions filters in AWS AppSync"; aws-appsync-community issue
 * 109). The resolver types its filter by this list, and codegen refuses a client mutation that does
 * not select each field (codegen/subscription-filters.ts): one list, so the two cannot drift.
 */
export const SUBSCRIPTION_FILTER_FIELDS = {
  onMarkEvent: ['mark', 'type', 'ownership'],
} as const;

export type SubscriptionFilterField<F extends keyof typeof SUBSCRIPTION_FILTER_FIELDS> = (typeof SUBSCRIPTION_FILTER_FIELDS)[F][number];
