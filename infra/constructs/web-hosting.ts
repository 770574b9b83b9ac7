/**
 * The web client (web/, built into build/web/) on AWS: a private S3 bucket that only CloudFront
 * reads (origin access control, S3BucketOrigin.withOriginAccessControl), a distribution over
 * HTTPS, and a BucketDeployment that uploads build/web/ and writes the client's
 * amplify-config.json at deploy time from the stack's own values (the API's URL and key, the
 * pool and its app client): the same file `npm start` writes locally and `npm run client-config`
 * writes from outputs (infra/client-config.ts), so the page runs unchanged against either.
 *
 * In two steps because the pool's app client must name this origin (its callback and sign-out
 * URLs) before the configuration, which names the app client, can be written: the constructor
 * makes the bucket and the distribution, deploy() uploads the files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { ClientConfig } from '../client-config';

/** The name the page fetches its configuration by (web/src/ui/main.ts; local/web-client.ts serves it under the same name). */
export const WEB_CONFIG_NAME = 'amplify-config.json';

export interface MarkWebHostingProps {
  /** the built web client (build/web/: index.html, app.js, app.css, app.js.map) */
  webDir: string;
  /** upload app.js.map too (context webSourceMap; 1.5 MB that only a developer's browser reads) */
  sourceMap: boolean;
}

export class MarkWebHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<id>.cloudfront.net, without a trailing slash: what the pool's app client allows */
  readonly origin: string;
  deployment?: s3deploy.BucketDeployment;
  private readonly props: MarkWebHostingProps;

  constructor(scope: Construct, id: string, props: MarkWebHostingProps) {
    super(scope, id);
    if (!existsSync(join(props.webDir, 'index.html'))) {
      throw new Error(`the web client is not built: no ${join(props.webDir, 'index.html')} (npm run build:web; npm run synth and deploy build it)`);
    }
    this.props = props;
    // Only the files of the build, replaced whole at each deploy: nothing in it to keep.
    this.bucket = new s3.Bucket(this, 'Files', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'The bucket holds only the public build of the web client, written by the stack\'s BucketDeployment and read only by CloudFront (origin access control); who fetched what is CloudFront\'s to log, not this bucket\'s.',
    });
    // one origin (one origin access control) for both behaviours
    const origin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket);
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${Stack.of(this).stackName} web client`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: true,
      },
      additionalBehaviors: {
        // the page reads it at every start: a deploy that changes the stack's values is seen at once
        [`/${WEB_CONFIG_NAME}`]: {
          origin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        },
      },
      // North America and Europe's edge locations only: the cheapest class
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason: 'The storefront is for anyone who may buy a mark, wherever they are: no geo restriction.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason: 'The distribution serves only static public files (no API behind it); the API it calls has its own WAF web ACL. A CloudFront web ACL would add its monthly price for no data to protect.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR3',
        reason: 'Standard logs need an ACL-enabled log bucket and hold viewers\' IP addresses (personal data); the files are public, and CloudFront\'s own metrics cover requests and errors.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason: 'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy; a custom domain with its ACM certificate would take minimumProtocolVersion TLSv1.2_2021.',
      },
    );
    this.origin = `https://${this.distribution.distributionDomainName}`;
  }

  /** Uploads build/web/ and the client configuration (which may hold tokens resolved at deploy time), then invalidates the distribution. */
  deploy(config: ClientConfig): s3deploy.BucketDeployment {
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [
        s3deploy.Source.asset(this.props.webDir, { exclude: this.props.sourceMap ? [] : ['*.map'] }),
        s3deploy.Source.jsonData(WEB_CONFIG_NAME, config),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      // an earlier build's files go; with the stack, the files go too (so the bucket can be deleted)
      prune: true,
      retainOnDelete: false,
      memoryLimit: 256,
    });
    this.deployment = deployment;
    // the upload runs in CDK's BucketDeployment handler, a stack-wide singleton function that
    // CloudFormation calls once per deploy; it is CDK's code and policy, not this app's
    const handler = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) {
      Validations.of(handler).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'CDK\'s BucketDeployment handler writes only its own logs through this policy.',
        },
        ...[
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
          'Action::s3:GetBucket*',
          'Action::s3:GetObject*',
          'Action::s3:List*',
          'Resource::*',
          `Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`,
          'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        ].map((evidence) => ({
          id: `AwsSolutions::AwsSolutions-IAM5[${evidence}]`,
          reason:
            'CDK\'s BucketDeployment grants: read the build from the CDK assets bucket, replace the web bucket\'s objects (grantReadWrite, whose action ' +
            'groups are wildcards) and invalidate this distribution (cloudfront:CreateInvalidation has no resource-level permission, hence "*").',
        })),
        { id: 'AwsSolutions::AwsSolutions-L1', reason: 'CDK\'s BucketDeployment handler pins its Python runtime (it ships the AWS CLI layer built for it); it runs only during a deploy.' },
        { id: 'Serverless::Serverless-LambdaLatestVersion', reason: 'CDK\'s BucketDeployment handler pins its Python runtime (it ships the AWS CLI layer built for it); it runs only during a deploy.' },
        { id: 'Serverless::Serverless-LambdaDLQ', reason: 'CloudFormation invokes the handler synchronously and fails the deploy on an error: there is no asynchronous event to keep.' },
        { id: 'Serverless::Serverless-LambdaTracing', reason: 'A deploy-time copy of static files, whose outcome CloudFormation reports; nothing to trace.' },
      );
    }
    return deployment;
  }
}
