/**
 * The pieces every verification Lambda shares: the pre-built bundle, an encrypted log group with
 * retention, a customer-managed key usable by the services that write encrypted data for it.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Aws, RemovalPolicy, Stack, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { bundlePath } from '../bundles';

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (cdk-nag AwsSolutions-L1 checks for it). */
export const VERIFICATION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Code of a handler bundled by scripts/bundle.mjs into assets/lambda/<name>. */
export function handlerCode(name: string): lambda.Code {
  const dir = bundlePath('lambda', name);
  if (!existsSync(path.join(dir, 'index.js'))) {
    throw new ConfigurationError(`Lambda bundle '${name}'`, [`${dir}/index.js is missing: run npm run bundle`]);
  }
  return lambda.Code.fromAsset(dir);
}

/** A key with rotation that CloudWatch Logs (this stack's log groups), SNS publishers and EventBridge may use. */
export function verificationKey(scope: Construct, id: string): kms.Key {
  const key = new kms.Key(scope, id, {
    enableKeyRotation: true,
    description: `Encrypts restore verification data of ${scope.node.path}: baselines, logs, queues, alarm topic, Lambda environment`,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // CloudWatch Logs encrypts this construct's log groups with the key, scoped to log groups of this account and region.
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${Stack.of(scope).region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` } },
  }));
  // CloudWatch alarms publish to the encrypted alarm topic.
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
  }));
  return key;
}

export function encryptedLogGroup(scope: Construct, id: string, key: kms.IKey, retention: logs.RetentionDays): logs.LogGroup {
  return new logs.LogGroup(scope, id, { encryptionKey: key, retention, removalPolicy: RemovalPolicy.RETAIN });
}
