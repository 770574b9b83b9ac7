/**
 * The web ACL in front of the GraphQL API: a rate-based rule per client IP, then AWS's managed
 * common rule set (the OWASP-style request checks), everything else allowed. The AppSync L2 has
 * no WAF prop, so the association is the L1 wafv2.CfnWebACLAssociation.
 */
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface MarkWebAclProps {
  /** prefix of the metric names */
  name: string;
  /** requests one IP may make in any 5 minutes before it is blocked */
  rateLimitPer5Minutes: number;
  /** the GraphQL API's ARN */
  apiArn: string;
}

export const RATE_RULE = 'RateLimitPerIp';
export const COMMON_RULE_SET = 'AWSManagedRulesCommonRuleSet';

export class MarkWebAcl extends Construct {
  readonly acl: wafv2.CfnWebACL;
  readonly association: wafv2.CfnWebACLAssociation;

  constructor(scope: Construct, id: string, props: MarkWebAclProps) {
    super(scope, id);
    const visibility = (metric: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${props.name}-${metric}`,
      // sampled requests are kept by WAF for 3 hours and show headers and IPs, no bodies
      sampledRequestsEnabled: true,
    });
    this.acl = new wafv2.CfnWebACL(this, 'Acl', {
      // AppSync is a regional resource
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('acl'),
      rules: [
        {
          name: RATE_RULE,
          priority: 0,
          // one client flooding the API is blocked before the managed rules spend capacity on it
          statement: { rateBasedStatement: { limit: props.rateLimitPer5Minutes, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          action: { block: {} },
          visibilityConfig: visibility(RATE_RULE),
        },
        {
          name: COMMON_RULE_SET,
          priority: 1,
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: COMMON_RULE_SET } },
          // a managed rule group takes overrideAction, not action: none keeps its own actions (block)
          overrideAction: { none: {} },
          visibilityConfig: visibility(COMMON_RULE_SET),
        },
      ],
    });
    this.association = new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.apiArn,
      webAclArn: this.acl.attrArn,
    });
  }
}
