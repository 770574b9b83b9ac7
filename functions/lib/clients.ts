/**
 * AWS SDK v3 clients configured from the environment, for the Lambda entry points.
 *
 * Endpoints: the SDK itself reads AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_KINESIS,
 * AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB) and AWS_ENDPOINT_URL, so the same bundle points
 * at kinesalite / s3rver / DynamoDB Local when those are set and at AWS when not. Credentials: the
 * SDK's default chain, which in Lambda finds the execution role's in the environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';

export function dynamoDbClientFromEnv(): DynamoDBClient {
  return new DynamoDBClient({});
}

/**
 * The Kinesis client defaults to NodeHttp2Handler because SubscribeToShard needs HTTP/2. The
 * relay only calls PutRecords, which works over HTTP/1.1 against AWS as well, and kinesalite
 * speaks nothing else: so HTTP/1.1 with keep-alive everywhere, one code path.
 */
export function kinesisClientFromEnv(): KinesisClient {
  return new KinesisClient({
    requestHandler: new NodeHttpHandler({
      httpsAgent: new Agent({ keepAlive: true, maxSockets: 50 }),
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }),
      connectionTimeout: 2_000,
      requestTimeout: 10_000,
    }),
  });
}

/**
 * Path-style addressing whenever a custom S3 endpoint is configured: emulators on 127.0.0.1
 * have no bucket subdomains. Virtual-hosted style (the default) against AWS.
 */
export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) });
}
