import { describe, expect, it } from 'vitest';
import { createSandbox } from '../src/runtime/sandbox';

// Extensions (extensions-js) and "Unsubscribing WebSocket connections using filters in AWS
// AppSync" (aws-appsync-real-time-invalidation), AWS AppSync developer guide:
// - setSubscriptionFilter / setSubscriptionInvalidationFilter: only in the response handler of a
//   subscription resolver;
// - invalidateSubscriptions: "Defined in the GraphQL resolver's response handler for a mutation".
const code = `import { extensions, util } from '@aws-appsync/utils';
export function request(ctx) {
  if (ctx.args.where === 'request') extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter({ mark: { eq: 'A' } }));
  if (ctx.args.where === 'requestInvalidate') extensions.invalidateSubscriptions({ subscriptionField: 'onMarkEvent', payload: { mark: 'A' } });
  return {};
}
export function response(ctx) {
  if (ctx.args.filter) extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter({ mark: { eq: 'A' } }));
  if (ctx.args.invalidationFilter) extensions.setSubscriptionInvalidationFilter(util.transform.toSubscriptionFilter({ owner: { eq: 'u1' } }));
  if (ctx.args.invalidate) extensions.invalidateSubscriptions({ subscriptionField: 'onMarkEvent', payload: { owner: 'u1' } });
  return null;
}
`;
const sandbox = createSandbox(code);
const call = (typeName: string, handler: 'request' | 'response', args: Record<string, unknown>) =>
  sandbox.invoke({ handler, typeName, fieldName: 'f', authType: 'API Key Authorization', ctx: { arguments: args } });

describe('subscription extensions: where each may be called, and what it yields', () => {
  it("setSubscriptionFilter and setSubscriptionInvalidationFilter in a subscription's response handler set the filters", () => {
    const out = call('Subscription', 'response', { filter: true, invalidationFilter: true });
    expect(out.status).toBe('return');
    expect(out.subscriptionFilter).toEqual({ filterGroup: [{ filters: [{ fieldName: 'mark', operator: 'eq', value: 'A' }] }] });
    expect(out.subscriptionInvalidationFilter).toEqual({ filterGroup: [{ filters: [{ fieldName: 'owner', operator: 'eq', value: 'u1' }] }] });
  });

  it('setSubscriptionFilter anywhere else is an error naming the rule', () => {
    expect(call('Query', 'response', { filter: true })).toMatchObject({
      status: 'runtimeError',
      message: expect.stringContaining('extensions.setSubscriptionFilter can be used only in the response handler of a subscription resolver'),
    });
    expect(call('Subscription', 'request', { where: 'request' })).toMatchObject({ status: 'runtimeError', message: expect.stringContaining('(here: the request handler of Subscription.f)') });
    expect(call('Mutation', 'response', { invalidationFilter: true })).toMatchObject({ status: 'runtimeError', message: expect.stringContaining('extensions.setSubscriptionInvalidationFilter can be used only') });
  });

  it("invalidateSubscriptions in a mutation's response handler yields the invalidation; elsewhere it is an error", () => {
    const out = call('Mutation', 'response', { invalidate: true });
    expect(out).toMatchObject({ status: 'return', invalidations: [{ subscriptionField: 'onMarkEvent', payload: { owner: 'u1' } }] });
    expect(call('Mutation', 'request', { where: 'requestInvalidate' })).toMatchObject({
      status: 'runtimeError',
      message: expect.stringContaining('extensions.invalidateSubscriptions can be used only in the response handler of a mutation resolver'),
    });
    expect(call('Subscription', 'response', { invalidate: true }).status).toBe('runtimeError');
  });
});
