/**
 * The scheduled Lambda that measures each database's RPO (lambda/measured-rpo) and publishes
 * `MeasuredRpoSeconds`. Its permissions are read-only and scoped to the databases, vaults and
 * prefixes it is given.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { acknowledgeWildcardResource } from '../storage/acknowledgements';
import { RECOVERY_METRICS } from '../../runtime/metrics/names';
import { RecoveryMetrics } from './recovery-metrics';
import {
  MEASURED_RPO_ENV, MEASURED_RPO_INLINE_CONFIG_MAX_CHARS, MeasuredRpoConfig, MeasuredRpoDatabaseConfig, RUNNER_MANIFEST_NAME, SilenceCheckConfig,
} from '../../runtime/contracts/measured-rpo';
import { bundlePath } from '../bundles';

const BUNDLE = bundlePath('lambda', 'measured-rpo');

/** An AWS Backup vault holding recovery points of a database, possibly in another Region. */
export interface MeasuredRpoVault {
  /** The vault name. */
  readonly vaultName: string;
  /**
   * The vault's Region (a copy vault in the DR Region).
   * @default - this stack's Region
   */
  readonly region?: string;
  /**
   * The vault's account (a cross-account copy vault).
   * @default - this stack's account
   */
  readonly accountId?: string;
}

/** A prefix in a bucket: the runner's backup folders, or a WAL archive. */
export interface BackupLocation {
  /** The bucket. */
  readonly bucket: s3.IBucket;
  /** The key prefix (a folder), without a leading slash. */
  readonly prefix: string;
}

/** A success metric to date: the Lambda publishes SecondsSinceLastSuccess {Database, Check} for it. */
export interface SilenceCheck {
  /** The `Check` dimension, e.g. `verification-missing`. */
  readonly check: string;
  /** The success metric (namespace, name and dimensions are used; its Sum above zero counts). */
  readonly metric: cloudwatch.Metric;
  /** The silence window; the Lambda searches one day further back. */
  readonly window: Duration;
  /**
   * The alarm kind watching the check (e.g. `runner-silent`): the Lambda then also publishes
   * `SilencePercentOfWindow` {Database, Check, Kind}, the silence as a percentage of the window,
   * which one multi-time-series alarm (FleetAlarms) judges for every database.
   * @default - SecondsSinceLastSuccess only
   */
  readonly kind?: string;
}

/** Where one database's recovery points can be found. At least one source (or silence check) is required. */
export interface MeasuredRpoDatabase {
  /** The database name: the `Database` dimension of `MeasuredRpoSeconds`. */
  readonly name: string;
  /**
   * The RDS DB instance: its LatestRestorableTime, and its AWS Backup recovery points.
   * @default - none
   */
  readonly rdsInstanceIdentifier?: string;
  /**
   * The Aurora DB cluster: its LatestRestorableTime, and its AWS Backup recovery points.
   * @default - none
   */
  readonly auroraClusterIdentifier?: string;
  /**
   * Search AWS Backup recovery points of the instance/cluster in these vaults only.
   * @default - every vault of this Region (ListRecoveryPointsByResource)
   */
  readonly backupVaults?: MeasuredRpoVault[];
  /**
   * Count AWS Backup recovery points (set false when the database is not in an AWS Backup plan).
   * @default true when an instance or cluster identifier is given
   */
  readonly awsBackup?: boolean;
  /**
   * The runner's backup folders (each `<backup id>/manifest.json`).
   * @default - none
   */
  readonly runnerBackups?: BackupLocation;
  /**
   * The pgBackRest (or wal-g) WAL archive of the database (`<repo>/archive/<stanza>`).
   * @default - none
   */
  readonly walArchive?: BackupLocation;
  /**
   * Success metrics to date, for silence windows longer than a CloudWatch alarm can evaluate.
   * @default - none
   */
  readonly silenceChecks?: SilenceCheck[];
  /**
   * The database's RPO: the Lambda then also publishes `MeasuredRpoPercentOfObjective`
   * {Database}, which one multi-time-series alarm (FleetAlarms) judges for every database.
   * @default - MeasuredRpoSeconds only
   */
  readonly rpo?: Duration;
}

/** Properties of MeasuredRpo. */
export interface MeasuredRpoProps {
  /** The databases to measure. */
  readonly databases: MeasuredRpoDatabase[];
  /**
   * How often to measure and publish.
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;
  /**
   * Key that encrypts the function's log group.
   * @default - a new KMS key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long to keep the function's logs (one JSON line per database and run).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Measures every database's RPO on a schedule and publishes `MeasuredRpoSeconds`. */
export class MeasuredRpo extends Construct {
  /** The Lambda function. */
  public readonly lambdaFunction: lambda.Function;
  /** The schedule. */
  public readonly rule: events.Rule;
  /** How often the RPO is measured. */
  public readonly interval: Duration;
  /** The names of the measured databases. */
  public readonly databaseNames: string[];
  /** The function's permissions (customer managed). */
  public readonly policy: iam.ManagedPolicy;

  private readonly wildcardObjectArns: string[] = [];

  constructor(scope: Construct, id: string, props: MeasuredRpoProps) {
    super(scope, id);
    this.interval = props.interval ?? Duration.minutes(5);
    const problems = checkProps(props, this.interval);
    if (problems.length > 0) throw new ConfigurationError(`MeasuredRpo ${this.node.path}`, problems);
    if (!existsSync(path.join(BUNDLE, 'index.js'))) {
      throw new ConfigurationError('MeasuredRpo', [`Lambda bundle ${BUNDLE}/index.js: missing, run npm run bundle`]);
    }
    this.databaseNames = props.databases.map((d) => d.name);
    const stack = Stack.of(this);

    const key = props.encryptionKey ?? new kms.Key(this, 'LogKey', {
      enableKeyRotation: true,
      description: `Encrypts the measured-RPO function's logs (${this.node.path})`,
    });
    // CloudWatch Logs encrypts with the key only when its Regional service principal may use it.
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
    }));
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: key,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Measured RPO: reads recovery points, publishes MeasuredRpoSeconds',
    });
    // A customer-managed policy (inline policies fail the HIPAA/NIST/PCI IAMNoInlinePolicy rule);
    // grants are written into it explicitly, never through role.grant…() helpers.
    this.policy = new iam.ManagedPolicy(this, 'Policy', { roles: [role], description: 'Measured RPO: read-only access to recovery points' });
    this.policy.addStatements(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));

    const config: MeasuredRpoConfig = { databases: props.databases.map((d) => this.databaseConfig(d)) };
    const json = stack.toJsonString(config);
    const environment: Record<string, string> = {};
    // The configuration holds names and ARNs only, no secret; a large plan goes to SSM because
    // Lambda environments are limited to 4 KB.
    if (JSON.stringify(config).length <= MEASURED_RPO_INLINE_CONFIG_MAX_CHARS) {
      environment[MEASURED_RPO_ENV.config] = json;
    } else {
      const parameter = new ssm.StringParameter(this, 'Config', { stringValue: json, description: 'Measured-RPO configuration', tier: ssm.ParameterTier.ADVANCED });
      this.policy.addStatements(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameter.parameterArn] }));
      environment[MEASURED_RPO_ENV.configParameter] = parameter.parameterName;
    }

    this.policy.addStatements(new iam.PolicyStatement({
      sid: 'PublishMeasuredRpo',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': RECOVERY_METRICS.namespace } },
    }));

    this.lambdaFunction = new lambda.Function(this, 'Function', {
      description: 'Measures the age of the newest recovery point of each database (MeasuredRpoSeconds)',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(BUNDLE),
      memorySize: 256,
      timeout: Duration.minutes(2),
      // One run at a time: overlapping runs would only publish the same numbers twice.
      reservedConcurrentExecutions: 1,
      role: role.withoutPolicyUpdates(),
      logGroup,
      environment,
    });
    // The role's permissions are a separate managed policy: attach it before the first run.
    this.lambdaFunction.node.addDependency(this.policy);

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Measures the RPO of each protected database',
      schedule: events.Schedule.rate(this.interval),
      // A late run is pointless: the next one is minutes away, and the alarm catches the gap.
      targets: [new targets.LambdaFunction(this.lambdaFunction, { retryAttempts: 0, maxEventAge: this.interval })],
    });

    this.acknowledgeFindings();
  }

  /**
   * `MeasuredRpoSeconds` of one of the measured databases.
   * @default - the Maximum over 5 minutes
   */
  public metricMeasuredRpo(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RecoveryMetrics.measuredRpo(database, options);
  }

  /** The Lambda's view of one database, granting it exactly what that view reads. */
  private databaseConfig(d: MeasuredRpoDatabase): MeasuredRpoDatabaseConfig {
    const stack = Stack.of(this);
    const resourceArns: string[] = [];
    let rds: MeasuredRpoDatabaseConfig['rds'];
    if (d.auroraClusterIdentifier) {
      const arn = stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: d.auroraClusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      resourceArns.push(arn);
      rds = { clusterIdentifier: d.auroraClusterIdentifier };
      this.policy.addStatements(new iam.PolicyStatement({ actions: ['rds:DescribeDBClusters'], resources: [arn] }));
    } else if (d.rdsInstanceIdentifier) {
      const arn = stack.formatArn({ service: 'rds', resource: 'db', resourceName: d.rdsInstanceIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      resourceArns.push(arn);
      rds = { instanceIdentifier: d.rdsInstanceIdentifier };
      this.policy.addStatements(new iam.PolicyStatement({ actions: ['rds:DescribeDBInstances'], resources: [arn] }));
    }
    let awsBackup: MeasuredRpoDatabaseConfig['awsBackup'];
    if (resourceArns.length > 0 && d.awsBackup !== false) {
      if (d.backupVaults && d.backupVaults.length > 0) {
        awsBackup = { resourceArns, vaults: d.backupVaults.map((v) => ({ name: v.vaultName, region: v.region, accountId: v.accountId })) };
        this.policy.addStatements(new iam.PolicyStatement({
          actions: ['backup:ListRecoveryPointsByBackupVault'],
          resources: d.backupVaults.map((v) => stack.formatArn({
            service: 'backup', resource: 'backup-vault', resourceName: v.vaultName, region: v.region, account: v.accountId, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          })),
        }));
      } else {
        awsBackup = { resourceArns };
        this.policy.addStatements(new iam.PolicyStatement({ actions: ['backup:ListRecoveryPointsByResource'], resources: ['*'] }));
      }
    }
    return {
      name: d.name,
      ...(awsBackup ? { awsBackup } : {}),
      ...(rds ? { rds } : {}),
      ...(d.runnerBackups ? { manifests: this.grantLocation(d.runnerBackups, `*/${RUNNER_MANIFEST_NAME}`) } : {}),
      ...(d.walArchive ? { walArchive: this.grantLocation(d.walArchive) } : {}),
      ...(d.silenceChecks?.length ? { silenceChecks: d.silenceChecks.map((c) => this.silenceCheck(c)) } : {}),
      ...(d.rpo ? { rpoSeconds: d.rpo.toSeconds() } : {}),
    };
  }

  private silenceCheck(c: SilenceCheck): SilenceCheckConfig {
    this.policy.addStatements(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    const dimensions: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.metric.dimensions ?? {})) dimensions[k] = String(v);
    return {
      check: c.check, namespace: c.metric.namespace, metricName: c.metric.metricName, dimensions, lookbackSeconds: c.window.toSeconds() + 86400,
      ...(c.kind ? { windowSeconds: c.window.toSeconds(), kind: c.kind } : {}),
    };
  }

  /** Lets the role list the prefix and, when `readPattern` is given, read only matching keys under it. */
  private grantLocation(location: BackupLocation, readPattern?: string) {
    const prefix = location.prefix === '' || location.prefix.endsWith('/') ? location.prefix : `${location.prefix}/`;
    this.policy.addStatements(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [location.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
    }));
    if (readPattern) {
      const objects = location.bucket.arnForObjects(`${prefix}${readPattern}`);
      this.policy.addStatements(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
      this.wildcardObjectArns.push(objects);
      if (location.bucket.encryptionKey) {
        this.policy.addStatements(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [location.bucket.encryptionKey.keyArn] }));
      }
    }
    return { bucket: location.bucket.bucketName, prefix, region: undefined };
  }

  private acknowledgeFindings(): void {
    const v = Validations.of(this.lambdaFunction);
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      v.acknowledge({ id: `${pack}-LambdaDLQ`, reason: 'A failed scheduled run publishes no data point: the per-database measured-RPO alarm treats missing data as breaching, and with fleet alarms the monitor-stopped alarm fires on the error; the failure pages either way, and a queue would only hold empty schedule events' });
      v.acknowledge({ id: `${pack}-LambdaInsideVPC`, reason: 'The function only calls AWS APIs (AWS Backup, RDS describe, S3, CloudWatch); it never connects to a database, so it needs no VPC' });
    }
    const p = Validations.of(this.policy);
    p.acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'cloudwatch:PutMetricData has no resource type (the statement is limited to the CdkDatabaseDr/Recovery namespace by condition); backup:ListRecoveryPointsByResource and cloudwatch:GetMetricData (read-only) have no resource type either' });
    for (const arn of this.wildcardObjectArns) {
      // Re-checked at validation: a bucket of another stack is a parameter reference by then.
      acknowledgeWildcardResource(this.policy, arn, 'Runner manifests are <backup id>/manifest.json and backup ids are made at run time; the wildcard only matches objects named manifest.json under the database\'s prefix');
    }
  }
}


function checkProps(props: MeasuredRpoProps, interval: Duration): string[] {
  const problems: string[] = [];
  if (!interval.isUnresolved() && (interval.toSeconds() < 60 || interval.toSeconds() % 60 !== 0)) {
    problems.push(`interval must be a whole number of minutes of at least 1, got ${interval.toHumanString()}`);
  }
  if (props.databases.length === 0) problems.push('databases is empty: nothing to measure');
  const seen = new Set<string>();
  for (const d of props.databases) {
    if (seen.has(d.name)) problems.push(`database '${d.name}' appears twice`);
    seen.add(d.name);
    if (d.rdsInstanceIdentifier && d.auroraClusterIdentifier) {
      problems.push(`database '${d.name}': set rdsInstanceIdentifier or auroraClusterIdentifier, not both`);
    }
    if (!d.rdsInstanceIdentifier && !d.auroraClusterIdentifier && !d.runnerBackups && !d.walArchive && !d.silenceChecks?.length) {
      problems.push(`database '${d.name}' has no recovery-point source: set rdsInstanceIdentifier, auroraClusterIdentifier, runnerBackups or walArchive`);
    }
    if (d.rpo && (d.rpo.isUnresolved() || d.rpo.toSeconds() <= 0)) {
      problems.push(`database '${d.name}': rpo must be a concrete duration above zero, got ${d.rpo.toHumanString()}`);
    }
    for (const c of d.silenceChecks ?? []) {
      if (c.window.isUnresolved() || c.window.toSeconds() > 454 * 86400) {
        problems.push(`database '${d.name}': silence check '${c.check}' window must be a concrete duration of at most 454 days (CloudWatch keeps 15 months), got ${c.window.toHumanString()}`);
      }
    }
  }
  return problems;
}
