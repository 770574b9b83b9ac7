/**
 * The checks AWS engineers run on a CDK app: cdk-nag's AwsSolutions and Serverless packs, as
 * CDK validation plugins, so `cdk synth` fails on a finding that is neither fixed nor
 * acknowledged. Acknowledgements live beside the construct they are about
 * (`Validations.of(construct).acknowledge({ id, reason })`), never on the stack or the app;
 * test/infra-nag.test.ts holds the app to that.
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

export const NAG_PACKS = ['AwsSolutions', 'Serverless'] as const;

export function applyNagPacks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
