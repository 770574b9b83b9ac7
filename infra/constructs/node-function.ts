/**
 * One way to build every Lambda function of the stack: a NodejsFunction bundled by the esbuild
 * in node_modules (never Docker, so `cdk synth` needs neither Docker nor network), Node.js 24
 * on arm64, a minified CommonJS bundle, and the Powertools settings the handlers read.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { lambdaBundleOptions } from '../lambda-bundle';

export interface MarkFunctionProps {
  /** absolute path of the handler module; it exports `handler` */
  entry: string;
  /** Powertools service name, and the name the function's metrics and logs carry */
  serviceName: string;
  /** the function's own settings (table, stream and bucket names) */
  environment: Record<string, string>;
  metricsNamespace: string;
  logLevel: string;
  logRetention: logs.RetentionDays;
  timeout?: Duration;
  memorySize?: number;
  description?: string;
}

export class MarkFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: MarkFunctionProps) {
    super(scope, id);
    // An explicit log group, so its retention is set without the LogRetention custom resource
    // and it goes away with the function's stack (logs are not the system of record).
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        // no NODE_OPTIONS=--enable-source-maps: infra/lambda-bundle.ts, sourceMap
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        // esbuild's per-file size report is noise in `cdk synth --quiet`; warnings and errors still show
        logLevel: LogLevel.WARNING,
        // infra/lambda-bundle.ts says why each setting (bench/pipeline.ts bundles with the same)
        format: lambdaBundleOptions.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
        target: lambdaBundleOptions.target,
        minify: lambdaBundleOptions.minify,
        sourceMap: lambdaBundleOptions.sourcemap,
        sourcesContent: lambdaBundleOptions.sourcesContent,
        mainFields: [...lambdaBundleOptions.mainFields],
        // The AWS SDK v3 clients are bundled in, not taken from the runtime: one tree-shaken,
        // minified file loads in ~0.1 s, where the runtime's SDK is read file by file from
        // node_modules (0.5-1.3 s measured by bench/pipeline.ts), and the version is pinned by
        // package-lock.json rather than by whatever the runtime ships.
        externalModules: [],
      },
    });
    this.acknowledgeFindings();
  }

  /** cdk-nag findings that are true of every stream-consuming function here, and why they stand. */
  private acknowledgeFindings(): void {
    Validations.of(this.fn).acknowledge(
      {
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          'Invoked only by a stream event source mapping, never asynchronously, so a function DLQ would never receive anything; ' +
          'failed batches go to the mapping\'s on-failure SQS destination (StreamConsumerGuard), alarmed.',
      },
      {
        id: 'Serverless::Serverless-LambdaTracing',
        reason:
          'Stream-triggered: no trace context arrives through DynamoDB Streams or Kinesis, so active tracing would record lone segments. ' +
          'Delivery health is watched by the IteratorAge and failure-queue alarms and the Powertools metrics instead.',
      },
    );
    Validations.of(this.fn.role!).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Allows only logs:CreateLogGroup, CreateLogStream and PutLogEvents, for the function\'s own logs; every other right is an inline grant.',
    });
  }
}
