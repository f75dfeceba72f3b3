/**
 * The pieces every verification Lambda shares: the pre-built bundle, an encrypted log group with
 * retention, a customer-managed key usable by the services that write encrypted data for it.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Aws, Duration, RemovalPolicy, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_logs as logs, aws_sqs as sqs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { bundlePath } from '../bundles';
import { acknowledge } from '../storage/acknowledgements';

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

/** @internal */
export interface VerificationFunctionOptions {
  readonly handler: string;
  readonly description: string;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly env: Record<string, string>;
  readonly timeout: Duration;
  readonly reservedConcurrency: number;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

/**
 * @internal A verification Lambda in the VPC with its own role and customer-managed policy
 * (logs, dead letters, key, ENIs, tracing), an encrypted log group, an encrypted dead-letter
 * queue (BackupMonitoring alarms on it). Construct ids are `<id>`, `<id>Role`, `<id>Policy`, `<id>Logs`,
 * `<id>DeadLetters`. Callers add their own statements to `policy`.
 */
export function verificationFunction(scope: Construct, id: string, o: VerificationFunctionOptions): {
  fn: lambda.Function; policy: iam.ManagedPolicy; deadLetterQueue: sqs.IQueue;
} {
  const dlq = new sqs.Queue(scope, `${id}DeadLetters`, {
    encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: o.key, enforceSSL: true, retentionPeriod: Duration.days(14),
  });
  acknowledge(dlq, [['AwsSolutions-SQS3', 'This queue is the dead-letter queue of the function; a dead-letter queue of its own would only move the same events']]);
  const logGroup = encryptedLogGroup(scope, `${id}Logs`, o.key, o.logRetention);
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: o.description });
  // A customer-managed policy (inline policies fail the HIPAA/NIST/PCI IAMNoInlinePolicy rule);
  // every permission is written into it explicitly, never through grant…() helpers.
  const policy = new iam.ManagedPolicy(scope, `${id}Policy`, { roles: [role], description: o.description });
  policy.addStatements(
    new iam.PolicyStatement({ sid: 'Logs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    new iam.PolicyStatement({ sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [dlq.queueArn] }),
    new iam.PolicyStatement({ sid: 'OwnKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [o.key.keyArn] }),
    // Network interfaces in the VPC and X-Ray segments: neither service supports resource-level permissions here.
    new iam.PolicyStatement({
      sid: 'VpcAndTracing',
      actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      resources: ['*'],
    }),
  );
  acknowledge(policy, [['AwsSolutions-IAM5[Resource::*]',
    'Only the Lambda VPC network-interface actions and X-Ray PutTraceSegments/PutTelemetryRecords use *: EC2 cannot scope ENI creation for Lambda to a known ARN before it exists, and X-Ray has no resource-level permissions']]);
  const fn = new lambda.Function(scope, id, {
    runtime: VERIFICATION_RUNTIME,
    handler: 'index.handler',
    code: handlerCode(o.handler),
    description: o.description,
    memorySize: 512,
    timeout: o.timeout,
    role: role.withoutPolicyUpdates(),
    vpc: o.vpc,
    vpcSubnets: o.subnets,
    securityGroups: [o.securityGroup],
    deadLetterQueueEnabled: true,
    deadLetterQueue: dlq,
    reservedConcurrentExecutions: o.reservedConcurrency,
    tracing: lambda.Tracing.ACTIVE,
    environment: {
      ...o.env,
      // Node.js 20+ runtimes do not load the RDS certificate authorities by default.
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    },
    environmentEncryption: o.key,
    logGroup,
  });
  // Lambda checks the DLQ and VPC permissions when the function is created.
  fn.node.addDependency(policy);
  return { fn, policy, deadLetterQueue: dlq };
}
