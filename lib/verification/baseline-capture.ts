/**
 * Scheduled capture of production baselines: a Lambda function connects to each database with a
 * read-only user, records its schema fingerprint, the row counts of its largest tables and the
 * user checks' results, and writes `baselines/<name>/baseline.json` (SSE-KMS) into a baseline
 * bucket. Restore tests (RestoreVerification) and runner drills (RunnerDrill) compare restored
 * copies with it. Works for RDS/Aurora endpoints and for self-managed hosts alike.
 *
 * The function-building helpers at the end are shared with RestoreVerification's validator; they
 * are not re-exported from the package.
 */
import {
  Duration, RemovalPolicy, Stack, Token,
  aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_events as events,
  aws_events_targets as targets, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_logs as logs, aws_s3 as s3, aws_s3_assets as s3assets,
  aws_secretsmanager as secretsmanager, aws_sqs as sqs,
} from 'aws-cdk-lib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { configObjectEnv } from '../../runtime/contracts/config-object';
import { acknowledge, acknowledgeWildcardResource } from '../storage/acknowledgements';
import { BASELINE_ENV, BaselineCaptureConfig, BaselineStoreConfig, baselineKey, UserCheckConfig } from '../../runtime/contracts/verification';
import { verificationFunction, verificationKey } from './lambda-support';
import { CheckExpectation, VerificationCheck, VerifiedEngine } from './verified-database';

/** One production database whose baseline is captured. */
export interface BaselineDatabase {
  /**
   * Logical name: the baseline's object key (`baselines/<name>/baseline.json`) and the metric
   * dimension `Database` of the restore tests and drills that read it. For a runner drill, the
   * runner's `database`. Letters, digits, `_` and `-`.
   */
  readonly name: string;
  readonly engine: VerifiedEngine;
  /** SQL database the capture connects to. */
  readonly databaseName: string;
  /**
   * Secret of a read-only user on production: `username`, `password`, and `host`/`port` unless
   * `host` is given here.
   */
  readonly readOnlySecret: secretsmanager.ISecret;
  /**
   * Production endpoint: a self-managed server's DNS name or IP address, or an RDS/Aurora endpoint.
   * The server must present a TLS certificate the Lambda trusts (public CAs and the RDS CAs).
   * @default - the `host` field of readOnlySecret
   */
  readonly host?: string;
  /**
   * Port of the production database.
   * @default - with `host`: 5432 for POSTGRESQL, 3306 for MYSQL; without it, the secret's `port`
   * (the security group then allows 5432 or 3306)
   */
  readonly port?: number;
  /**
   * Security groups of the production database: each gets an ingress rule from `securityGroup`.
   * @default - none: the function may reach the port at `host` (an IPv4 address: that address
   * only; otherwise any address); allow `securityGroup` into the database yourself
   */
  readonly productionSecurityGroups?: ec2.ISecurityGroup[];
  /**
   * User checks, declared in the plan's verification section; EQUALS checks without a value
   * record production's result here.
   * @default - none: schema fingerprint and row counts only
   */
  readonly checks?: VerificationCheck[];
  /**
   * How many of the largest tables get exact row counts (1–100).
   * @default 10
   */
  readonly largestTables?: number;
}

export interface BaselineCaptureProps {
  /** The databases whose baselines are captured. */
  readonly databases: BaselineDatabase[];
  /** VPC of the function (it connects to the production databases from there). */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the function. It calls S3 and Secrets Manager: these subnets need a NAT gateway
   * or VPC endpoints.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * When baselines are captured: one invocation per database.
   * @default - every day at 01:00 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * Bucket the baselines are written to.
   * @default - a new versioned, SSL-only bucket encrypted with `baselineEncryptionKey`, with server access logs
   */
  readonly baselineBucket?: s3.IBucket;
  /**
   * Key the baselines are written with (SSE-KMS).
   * @default - `baselineBucket`'s key when it is known, else `encryptionKey` (required when
   * `baselineBucket` is given without a known key)
   */
  readonly baselineEncryptionKey?: kms.IKey;
  /**
   * Key of this construct's data: the new baseline bucket (when `baselineEncryptionKey` is not
   * given), the function's logs, dead letters and environment, and the new alarm topic. A key of
   * your own must let CloudWatch Logs and CloudWatch alarms use it.
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** Captures production baselines on a schedule into an encrypted bucket. */
export class BaselineCapture extends Construct {
  /** Where the baselines are: `baselineObjectKey(name)` in this bucket. */
  public readonly baselineBucket: s3.IBucket;
  /** Key the baselines are encrypted with: readers need kms:Decrypt on it. */
  public readonly baselineEncryptionKey: kms.IKey;
  /** Key of this construct's logs, dead letters, environment and (new) topic and bucket. */
  public readonly encryptionKey: kms.IKey;
  /** The capture function. */
  public readonly function: lambda.Function;
  /** Security group of the function: allow it into production databases not given `productionSecurityGroups`. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The scheduled rules: one target per database, up to 5 databases per rule. */
  public readonly scheduleRules: events.Rule[];
  /** Dead-letter queue of the capture function (events that failed every retry). */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The names of the databases whose baselines are captured. */
  public readonly databaseNames: string[];

  /**
   * A baseline bucket (SSE-KMS with `key`, versioned, SSL only, access-logged into a bucket of its
   * own) to give as `baselineBucket` to the baseline captures and restore verifications of several
   * stacks, so that they share one. Its two buckets are created as `BaselineBucket` and
   * `BaselineAccessLogs` under `scope`.
   */
  public static createBaselineBucket(scope: Construct, key: kms.IKey): s3.Bucket {
    return newBaselineBucket(scope, key);
  }

  constructor(scope: Construct, id: string, props: BaselineCaptureProps) {
    super(scope, id);
    const subject = `BaselineCapture ${this.node.path}`;
    const problems = baselineDatabaseProblems(props.databases, 'host');
    if (props.baselineBucket && !props.baselineEncryptionKey && !props.baselineBucket.encryptionKey) {
      problems.push('baselineEncryptionKey: required when baselineBucket has no known encryption key (baselines are written with SSE-KMS)');
    }
    if (problems.length > 0) throw new ConfigurationError(subject, problems);
    this.databaseNames = props.databases.map((d) => d.name);
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    this.encryptionKey = props.encryptionKey ?? verificationKey(this, 'Key');
    this.baselineEncryptionKey = props.baselineEncryptionKey ?? props.baselineBucket?.encryptionKey ?? this.encryptionKey;
    this.baselineBucket = props.baselineBucket ?? newBaselineBucket(this, this.baselineEncryptionKey);

    // --- network: AWS APIs over 443 and each production database's port, nothing else.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc, allowAllOutbound: false, description: 'Baseline capture: AWS APIs over HTTPS and the production databases',
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (S3, Secrets Manager)');
    for (const db of props.databases) {
      const port = ec2.Port.tcp(db.port ?? defaultPort(db.engine));
      if (db.productionSecurityGroups && db.productionSecurityGroups.length > 0) {
        for (const sg of db.productionSecurityGroups) {
          sg.addIngressRule(this.securityGroup, port, `baseline capture of ${db.name}`);
          this.securityGroup.addEgressRule(sg, port, `production database ${db.name}`);
        }
      } else if (db.host && !Token.isUnresolved(db.host) && IPV4.test(db.host)) {
        this.securityGroup.addEgressRule(ec2.Peer.ipv4(`${db.host}/32`), port, `production database ${db.name}`);
      } else {
        // Where production lives is not known here: allow its port, nothing else.
        this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), port, `production database ${db.name}`);
      }
    }

    // --- the function
    const store: BaselineStoreConfig = { bucket: this.baselineBucket.bucketName, prefix: BASELINE_PREFIX, kmsKeyArn: this.baselineEncryptionKey.keyArn };
    const config: BaselineCaptureConfig = {
      store,
      tls: true,
      databases: props.databases.map((d) => ({
        name: d.name, engine: d.engine, secretArn: d.readOnlySecret.secretArn,
        ...(d.host ? { host: d.host, port: d.port ?? defaultPort(d.engine) } : d.port ? { port: d.port } : {}),
        databaseName: d.databaseName, largestTables: d.largestTables ?? 10,
        userChecks: (d.checks ?? []).map(toUserCheckConfig),
      })),
    };
    const description = `Captures production baselines of ${this.databaseNames.join(', ')}`;
    const configEnv = configEnvironment(this, subject, BASELINE_ENV.config, config as unknown as Record<string, unknown>, 'databases');
    const built = verificationFunction(this, 'Function', {
      handler: 'baseline-capture',
      description: description.length > 256 ? `${description.slice(0, 253)}...` : description,
      securityGroup: this.securityGroup,
      env: configEnv.env,
      timeout: Duration.minutes(15),
      // One capture at a time: the scheduled invocations of all databases queue instead of loading production together.
      reservedConcurrency: 1,
      vpc: props.vpc, subnets, key: this.encryptionKey,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    this.function = built.fn;
    this.deadLetterQueue = built.deadLetterQueue;

    // Exactly one object per database: the handler writes baselines/<name>/baseline.json and nothing else.
    const objects = props.databases.map((d) => this.baselineBucket.arnForObjects(this.baselineObjectKey(d.name)));
    allowConfigObjectRead(built.policy, configEnv);
    built.policy.addStatements(
      new iam.PolicyStatement({ sid: 'WriteBaselines', actions: ['s3:PutObject'], resources: objects }),
      new iam.PolicyStatement({
        sid: 'EncryptBaselines', actions: ['kms:GenerateDataKey'], resources: [this.baselineEncryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    props.databases.forEach((d, i) => allowSecretRead(built.policy, d.readOnlySecret, `ReadOnlySecret${i}`));

    // --- schedule: one target per database, so one unreachable database does not hold up the
    // others; EventBridge takes up to 5 targets per rule, so databases fill rules of 5 in order
    // (adding a database adds a target to the last rule, or a new rule: no existing one moves).
    const schedule = props.schedule ?? events.Schedule.cron({ minute: '0', hour: '1' });
    this.scheduleRules = [];
    props.databases.forEach((d, i) => {
      const group = Math.floor(i / TARGETS_PER_RULE);
      let rule = this.scheduleRules[group];
      if (!rule) {
        const names = props.databases.slice(group * TARGETS_PER_RULE, (group + 1) * TARGETS_PER_RULE).map((x) => x.name);
        // The first rule keeps the id of the first database's rule, so a construct of one database is unchanged.
        rule = new events.Rule(this, `Schedule${group === 0 ? d.name : group}`, { schedule, description: `Baseline capture of ${names.join(', ')}`.slice(0, 512) });
        this.scheduleRules.push(rule);
      }
      rule.addTarget(new targets.LambdaFunction(this.function, {
        event: events.RuleTargetInput.fromObject({ database: d.name }), retryAttempts: 2, maxEventAge: Duration.hours(1),
      }));
    });

  }

  /** `Errors` of the capture function (a failed capture). @default sum over 1 hour */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors({ period: Duration.hours(1), ...props });
  }

  /** Events waiting in the capture function's dead-letter queue. @default maximum over 5 minutes */
  public metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Object key of a database's baseline in `baselineBucket` (for RunnerDrill's `baselineObjectKey`).
   * @param database the `name` of one of `databases`
   */
  public baselineObjectKey(database: string): string {
    if (!this.databaseNames.includes(database)) {
      throw new ConfigurationError(`BaselineCapture ${this.node.path}`, [`database: '${database}' has no baseline here (known: ${this.databaseNames.join(', ')})`]);
    }
    return baselineKey(BASELINE_PREFIX, database);
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// At least two colons: 'db:5432' is a host with a port, not an IPv6 address.
const IPV6 = /^(?=[^:]*:[^:]*:)[0-9A-Fa-f:.]+$/;

/** @internal Key prefix of the baselines in the bucket. */
export const BASELINE_PREFIX = 'baselines/';

/** EventBridge's limit of targets per rule. */
const TARGETS_PER_RULE = 5;

/** Lambda's limit on all environment variables of a function together. */
const LAMBDA_ENV_LIMIT = 4096;

/** @internal */
export function defaultPort(engine: VerifiedEngine): number {
  return engine === VerifiedEngine.MYSQL ? 3306 : 5432;
}

/** A new versioned, SSL-only, access-logged bucket for baselines, with its compliance acknowledgements. */
function newBaselineBucket(scope: Construct, key: kms.IKey): s3.Bucket {
  const accessLogs = new s3.Bucket(scope, 'BaselineAccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const bucket = new s3.Bucket(scope, 'BaselineBucket', {
    encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true, enforceSSL: true, versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, removalPolicy: RemovalPolicy.RETAIN,
    serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: BASELINE_PREFIX,
    // Earlier baselines stay readable for comparisons, not forever.
    lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
  });
  const logLoop = 'This bucket is the access-log destination of the baseline bucket; logging it into itself would loop';
  const sseS3Only = 'S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS';
  const diagnostic = 'Access logs of a baseline bucket are diagnostic; they are not recovery data';
  acknowledge(accessLogs, [
    ['AwsSolutions-S1', logLoop],
    ['NIST.800.53.R5-S3BucketLoggingEnabled', logLoop],
    ['HIPAA.Security-S3BucketLoggingEnabled', logLoop],
    ['PCI.DSS.321-S3BucketLoggingEnabled', logLoop],
    ['NIST.800.53.R5-S3DefaultEncryptionKMS', sseS3Only],
    ['HIPAA.Security-S3DefaultEncryptionKMS', sseS3Only],
    ['PCI.DSS.321-S3DefaultEncryptionKMS', sseS3Only],
    ['NIST.800.53.R5-S3BucketReplicationEnabled', diagnostic],
    ['HIPAA.Security-S3BucketReplicationEnabled', diagnostic],
    ['PCI.DSS.321-S3BucketReplicationEnabled', diagnostic],
  ]);
  const noReplication = 'Baselines are re-captured from production every day; a lost bucket is refilled by the next capture, so a replica adds no recovery value';
  acknowledge(bucket, [
    ['NIST.800.53.R5-S3BucketReplicationEnabled', noReplication],
    ['HIPAA.Security-S3BucketReplicationEnabled', noReplication],
    ['PCI.DSS.321-S3BucketReplicationEnabled', noReplication],
  ]);
  return bucket;
}

/**
 * @internal Problems of a list of baseline databases, each naming `databases[i].<field>` and the
 * bad value. `hostField` is the name the caller's props give the production endpoint.
 */
export function baselineDatabaseProblems(databases: BaselineDatabase[] | undefined, hostField: string): string[] {
  const problems: string[] = [];
  if (!databases || databases.length === 0) {
    problems.push('databases: at least one database is required, got none');
    return problems;
  }
  const names = new Set<string>();
  databases.forEach((d, i) => {
    const where = `databases[${i}]`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(d.name ?? '')) problems.push(`${where}.name must be 1–64 letters, digits, '_' or '-', got '${d.name}'`);
    else if (names.has(d.name)) problems.push(`${where}.name '${d.name}' is used twice`);
    names.add(d.name);
    if (!Object.values(VerifiedEngine).includes(d.engine)) problems.push(`${where}.engine must be postgres or mysql, got '${d.engine}'`);
    if (!d.databaseName) problems.push(`${where}.databaseName is required`);
    if (!d.readOnlySecret) problems.push(`${where}.readOnlySecret is required (the read-only user on production)`);
    if (d.host !== undefined && !Token.isUnresolved(d.host) && !(IPV4.test(d.host) || HOSTNAME.test(d.host) || IPV6.test(d.host))) {
      problems.push(`${where}.${hostField} must be a DNS name or an IP address, without scheme or port, got '${d.host}'`);
    }
    if (d.port !== undefined && !Token.isUnresolved(d.port) && (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535)) problems.push(`${where}.port must be 1–65535, got ${d.port}`);
    if (d.largestTables !== undefined && (!Number.isInteger(d.largestTables) || d.largestTables < 1 || d.largestTables > 100)) problems.push(`${where}.largestTables must be 1–100, got ${d.largestTables}`);
    const checkNames = new Set<string>();
    (d.checks ?? []).forEach((c, j) => {
      const cw = `${where}.checks[${j}] (${c.name})`;
      if (!c.name) problems.push(`${where}.checks[${j}].name is required`);
      else if (checkNames.has(c.name)) problems.push(`${cw}.name is used twice`);
      checkNames.add(c.name);
      if (!c.sql || !c.sql.trim()) problems.push(`${cw}.sql is required`);
      if (c.expect === CheckExpectation.AT_LEAST && !Number.isFinite(Number(c.value ?? 'x'))) problems.push(`${cw}.value must be a number for AT_LEAST, got '${c.value}'`);
      if (c.expect === CheckExpectation.NEWER_THAN && !c.maxAge) problems.push(`${cw}.maxAge is required for NEWER_THAN`);
    });
  });
  return problems;
}

function toUserCheckConfig(c: VerificationCheck): UserCheckConfig {
  return {
    name: c.name, sql: c.sql, expect: c.expect,
    ...(c.expect === CheckExpectation.NEWER_THAN && c.maxAge ? { value: c.maxAge.toSeconds() } : {}),
    ...(c.expect !== CheckExpectation.NEWER_THAN && c.value !== undefined ? { value: c.value } : {}),
  };
}

/** @internal Serialises a handler's configuration; refuses one that would not fit Lambda's 4 KB environment. */
export function configJson(scope: Construct, subject: string, name: string, value: unknown): string {
  const json = Stack.of(scope).toJsonString(value);
  const raw = approximateJson(value);
  if (raw.length + name.length > LAMBDA_ENV_LIMIT - 64) {
    throw new ConfigurationError(subject, [
      `checks: the configuration of ${name} takes about ${raw.length} bytes, over Lambda's ${LAMBDA_ENV_LIMIT}-byte environment limit; shorten the user checks' SQL or split the databases over several constructs`,
    ]);
  }
  return json;
}

/** Unresolved references are short placeholders at synth; count each as a long ARN. */
function approximateJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'string' && Token.isUnresolved(v) ? 'x'.repeat(120) : v));
}

/** @internal A handler's configuration as environment variables, and the S3 object its function must be allowed to read. */
export interface ConfigEnvironment {
  readonly env: Record<string, string>;
  /** The configuration object (its `objectKey` field moved there), when the environment could not hold it. */
  readonly object?: s3assets.Asset;
}

/**
 * @internal A handler's configuration in its environment when it fits Lambda's 4 KB; else its
 * `objectKey` field (the per-database list) goes to an S3 asset object (the deployment's asset
 * bucket: encrypted, versioned, the key is the content hash so a change redeploys the function)
 * named by `<NAME>_OBJECT` (runtime/aws/config-object.ts reads both). The field must hold no
 * deploy-time reference (an asset file is written at synth).
 */
export function configEnvironment(scope: Construct, subject: string, name: string, value: Record<string, unknown>, objectKey: string): ConfigEnvironment {
  if (approximateJson(value).length + name.length <= LAMBDA_ENV_LIMIT - 64) return { env: { [name]: configJson(scope, subject, name, value) } };
  const moved = value[objectKey];
  const stack = Stack.of(scope);
  const unresolved = JSON.stringify(stack.resolve(moved) ?? null).includes('"Ref"') || Token.isUnresolved(moved)
    || JSON.stringify(stack.resolve(moved) ?? null).includes('"Fn::');
  if (unresolved) {
    // References resolve at deploy time only: they cannot be written into a file at synth.
    throw new ConfigurationError(subject, [
      `checks: the configuration of ${name} takes about ${approximateJson(value).length} bytes, over Lambda's ${LAMBDA_ENV_LIMIT}-byte environment limit, `
      + `and its ${objectKey} hold references resolved only at deploy time (e.g. a secret or database created in this app), so they cannot go to a configuration object; `
      + 'give those by ARN or name, shorten the user checks\' SQL, or split the databases over several constructs',
    ]);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cdk-dr-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ [objectKey]: stack.resolve(moved) }));
  const object = new s3assets.Asset(scope, `${name.replace(/[^A-Za-z0-9]/g, '')}Object`, { path: file });
  const rest = Object.fromEntries(Object.entries(value).filter(([k]) => k !== objectKey));
  return {
    env: { [name]: configJson(scope, subject, name, rest), [configObjectEnv(name)]: `s3://${object.s3BucketName}/${object.s3ObjectKey}` },
    object,
  };
}

/** @internal Lets a handler's policy read its configuration object (that one object, nothing else). */
export function allowConfigObjectRead(policy: iam.ManagedPolicy, config: ConfigEnvironment): void {
  if (!config.object) return;
  policy.addStatements(new iam.PolicyStatement({
    sid: 'ReadConfigurationObject', actions: ['s3:GetObject'], resources: [config.object.bucket.arnForObjects(config.object.s3ObjectKey)],
  }));
}

/** @internal GetSecretValue on one secret (and its key), written into a managed policy. */
export function allowSecretRead(policy: iam.ManagedPolicy, secret: secretsmanager.ISecret, sid: string): void {
  const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  policy.addStatements(new iam.PolicyStatement({ sid, actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [arn] }));
  if (!secret.secretFullArn) {
    acknowledgeWildcardResource(policy, arn, 'Secrets imported by name or partial ARN carry a random 6-character suffix; "-??????" matches exactly that suffix of this one secret');
  }
  if (secret.encryptionKey) {
    policy.addStatements(new iam.PolicyStatement({
      sid: `${sid}Key`, actions: ['kms:Decrypt'], resources: [secret.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(policy).region}.amazonaws.com` } },
    }));
  }
}
