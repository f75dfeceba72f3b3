/**
 * Scheduled restore tests of RDS instances and Aurora clusters with a verdict: an AWS Backup
 * restore testing plan restores the latest recovery point into a small, private, throw-away
 * instance; the validator Lambda compares it with a baseline captured from production and
 * reports SUCCESSFUL or FAILED back to AWS Backup, with metrics and alarms.
 */
import {
  Aws, Duration, Names, RemovalPolicy, Stack, Token,
  aws_backup as backup, aws_cloudwatch as cloudwatch, aws_cloudwatch_actions as cwActions, aws_ec2 as ec2,
  aws_events as events, aws_events_targets as targets, aws_iam as iam, aws_kms as kms, aws_lambda as lambda,
  aws_logs as logs, aws_rds as rds, aws_s3 as s3, aws_secretsmanager as secretsmanager, aws_sns as sns, aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { VerificationMetrics } from '../monitoring/verification-metrics';
import { DatabaseResourceKind } from '../protection/protected-database';
import { acknowledge, acknowledgeWildcardResource } from '../storage/acknowledgements';
import {
  BASELINE_ENV, BaselineCaptureConfig, UserCheckConfig, VALIDATOR_ENV, ValidatorConfig,
} from './handler-config';
import { encryptedLogGroup, handlerCode, verificationKey, VERIFICATION_RUNTIME } from './lambda-support';
import { CheckExpectation, VerificationCheck, VerifiedDatabase, VerifiedEngine } from './verified-database';

export interface RestoreVerificationProps {
  /** Vaults whose recovery points are restore-tested (the protection's primary vaults). */
  readonly vaults: backup.IBackupVault[];
  /** The databases to verify: one restore testing selection each. */
  readonly databases: VerifiedDatabase[];
  /** VPC of the restored instances and the Lambda functions. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the restored instances and the functions. The functions call AWS APIs (Backup,
   * RDS, S3, Secrets Manager): these subnets need a NAT gateway or VPC endpoints.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * When restore tests start (a cron schedule, in UTC).
   * @default - every Sunday at 03:00 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * How long after the scheduled time a restore test may start before AWS Backup cancels it (1–168 hours).
   * @default Duration.hours(8)
   * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html
   */
  readonly startWindow?: Duration;
  /**
   * How far back the latest recovery point may be (1–365 days).
   * @default Duration.days(7)
   */
  readonly selectionWindow?: Duration;
  /**
   * How long the restored instance is kept for validation before AWS Backup deletes it (1–168 hours).
   * @default Duration.hours(4)
   */
  readonly validationWindow?: Duration;
  /**
   * Instance class of restored RDS instances (kept small: they live for hours).
   * @default 'db.t4g.medium'
   */
  readonly restoredInstanceClass?: string;
  /**
   * Role AWS Backup restores with.
   * @default - a role trusted by backup.amazonaws.com with AWSBackupServiceRolePolicyForRestores
   */
  readonly restoreRole?: iam.IRole;
  /**
   * When baselines are captured from production.
   * @default - every day at 01:00 UTC
   */
  readonly baselineSchedule?: events.Schedule;
  /**
   * Bucket of the baselines, encrypted with `baselineEncryptionKey`.
   * @default - a new versioned bucket encrypted with this construct's key
   */
  readonly baselineBucket?: s3.IBucket;
  /**
   * Key of `baselineBucket` (baselines are written with SSE-KMS under it).
   * @default - this construct's key (required when `baselineBucket` is given without an encryption key)
   */
  readonly baselineEncryptionKey?: kms.IKey;
  /**
   * Alarm when no restore of a database passed verification for this long (whole days, 1–7:
   * CloudWatch evaluates alarms over at most 7 days).
   * @default Duration.days(7)
   */
  readonly maxTimeWithoutSuccess?: Duration;
  /**
   * Topic the alarms notify.
   * @default - a new topic encrypted with this construct's key
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Row-count drift always allowed, in rows. See lambda/shared/integrity/row-counts.ts.
   * @default 0
   */
  readonly rowCountAbsoluteTolerance?: number;
  /**
   * Fraction of a table's rows it may change by per day between baseline and restore point.
   * @default 0.05
   */
  readonly rowCountGrowthRatePerDay?: number;
  /**
   * Reserved concurrency of the validator (restore tests of all databases may complete together).
   * @default 2
   */
  readonly validatorConcurrency?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Name of the restore testing plan (letters, digits, `_`; at most 50).
   * @default - derived from the construct path
   */
  readonly restoreTestingPlanName?: string;
}

const DEFAULT_PORTS: Record<VerifiedEngine, number> = { [VerifiedEngine.POSTGRESQL]: 5432, [VerifiedEngine.MYSQL]: 3306 };
const BASELINE_PREFIX = 'baselines/';
/** Lambda's limit on all environment variables of a function together. */
const LAMBDA_ENV_LIMIT = 4096;

export class RestoreVerification extends Construct {
  public readonly restoreTestingPlan: backup.CfnRestoreTestingPlan;
  public readonly restoreTestingPlanName: string;
  public readonly restoreTestingPlanArn: string;
  public readonly selections: backup.CfnRestoreTestingSelection[];
  /** Rule on `Restore Job State Change` / `COMPLETED` that invokes the validator. */
  public readonly restoreCompletedRule: events.Rule;
  public readonly validator: lambda.Function;
  public readonly baselineFunction: lambda.Function;
  public readonly baselineBucket: s3.IBucket;
  public readonly encryptionKey: kms.Key;
  /** Security group of the restored instances: admits the validator only. */
  public readonly restoredInstanceSecurityGroup: ec2.SecurityGroup;
  public readonly validatorSecurityGroup: ec2.SecurityGroup;
  /** Allow this group into production databases not listed in `productionSecurityGroups`. */
  public readonly baselineSecurityGroup: ec2.SecurityGroup;
  public readonly restoreSubnetGroup: rds.SubnetGroup;
  public readonly alarmTopic: sns.ITopic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly databaseNames: string[];

  constructor(scope: Construct, id: string, props: RestoreVerificationProps) {
    super(scope, id);
    this.databaseNames = (props.databases ?? []).map((d) => d.name);
    validateProps(`RestoreVerification ${this.node.path}`, props);
    const stack = Stack.of(this);
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    this.encryptionKey = verificationKey(this, 'Key');
    const key = this.encryptionKey;

    // --- network: restored copies admit only the validator; functions reach AWS APIs over 443.
    this.validatorSecurityGroup = new ec2.SecurityGroup(this, 'ValidatorSecurityGroup', {
      vpc: props.vpc, allowAllOutbound: false, description: 'Restore validator: AWS APIs over HTTPS and the restored instances',
    });
    this.baselineSecurityGroup = new ec2.SecurityGroup(this, 'BaselineSecurityGroup', {
      vpc: props.vpc, allowAllOutbound: false, description: 'Baseline capture: AWS APIs over HTTPS and the production databases',
    });
    this.restoredInstanceSecurityGroup = new ec2.SecurityGroup(this, 'RestoredInstanceSecurityGroup', {
      vpc: props.vpc, allowAllOutbound: false, description: 'Restore-test instances: reachable from the restore validator only',
    });
    for (const sg of [this.validatorSecurityGroup, this.baselineSecurityGroup]) {
      sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (Backup, RDS, S3, Secrets Manager)');
    }
    const ports = new Set(props.databases.map((d) => d.port ?? DEFAULT_PORTS[d.engine]));
    for (const port of ports) {
      this.restoredInstanceSecurityGroup.addIngressRule(this.validatorSecurityGroup, ec2.Port.tcp(port), 'restore validator');
      this.validatorSecurityGroup.addEgressRule(this.restoredInstanceSecurityGroup, ec2.Port.tcp(port), 'restored instances');
    }
    for (const db of props.databases) {
      const port = ec2.Port.tcp(db.port ?? DEFAULT_PORTS[db.engine]);
      if (db.productionSecurityGroups && db.productionSecurityGroups.length > 0) {
        for (const sg of db.productionSecurityGroups) {
          sg.addIngressRule(this.baselineSecurityGroup, port, `baseline capture of ${db.name}`);
          this.baselineSecurityGroup.addEgressRule(sg, port, `production database ${db.name}`);
        }
      } else {
        // Where production lives is not known here: allow its port, nothing else.
        this.baselineSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), port, `production database ${db.name}`);
      }
    }
    this.restoreSubnetGroup = new rds.SubnetGroup(this, 'RestoreSubnetGroup', {
      vpc: props.vpc, vpcSubnets: subnets, description: `Subnets of restore-test instances of ${this.node.path}`,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // --- baseline store
    if (props.baselineBucket) {
      this.baselineBucket = props.baselineBucket;
    } else {
      const accessLogs = new s3.Bucket(this, 'BaselineAccessLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.baselineBucket = new s3.Bucket(this, 'BaselineBucket', {
        encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true, enforceSSL: true, versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, removalPolicy: RemovalPolicy.RETAIN,
        serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: 'baselines/',
        // Earlier baselines stay readable for comparisons, not forever.
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
      });
      acknowledge(accessLogs, [
        ['AwsSolutions-S1', 'This bucket is the access-log destination of the baseline bucket; logging it into itself would loop'],
        ['NIST.800.53.R5-S3BucketLoggingEnabled', 'This bucket is the access-log destination of the baseline bucket; logging it into itself would loop'],
        ['HIPAA.Security-S3BucketLoggingEnabled', 'This bucket is the access-log destination of the baseline bucket; logging it into itself would loop'],
        ['PCI.DSS.321-S3BucketLoggingEnabled', 'This bucket is the access-log destination of the baseline bucket; logging it into itself would loop'],
        ['NIST.800.53.R5-S3DefaultEncryptionKMS', 'S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS'],
        ['HIPAA.Security-S3DefaultEncryptionKMS', 'S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS'],
        ['PCI.DSS.321-S3DefaultEncryptionKMS', 'S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS'],
        ['NIST.800.53.R5-S3BucketReplicationEnabled', 'Access logs of a baseline bucket are diagnostic; they are not recovery data'],
        ['HIPAA.Security-S3BucketReplicationEnabled', 'Access logs of a baseline bucket are diagnostic; they are not recovery data'],
        ['PCI.DSS.321-S3BucketReplicationEnabled', 'Access logs of a baseline bucket are diagnostic; they are not recovery data'],
      ]);
      const noReplication = 'Baselines are re-captured from production every day; a lost bucket is refilled by the next capture, so a replica adds no recovery value';
      acknowledge(this.baselineBucket, [
        ['NIST.800.53.R5-S3BucketReplicationEnabled', noReplication],
        ['HIPAA.Security-S3BucketReplicationEnabled', noReplication],
        ['PCI.DSS.321-S3BucketReplicationEnabled', noReplication],
      ]);
    }
    const storeKey = props.baselineEncryptionKey ?? props.baselineBucket?.encryptionKey ?? key;
    if (props.baselineBucket && !props.baselineEncryptionKey && !props.baselineBucket.encryptionKey) {
      throw new ConfigurationError(`RestoreVerification ${this.node.path}`, ['baselineEncryptionKey: required when baselineBucket has no known encryption key (baselines are written with SSE-KMS)']);
    }
    const store = { bucket: this.baselineBucket.bucketName, prefix: BASELINE_PREFIX, kmsKeyArn: storeKey.keyArn };

    // --- alarm topic
    if (props.alarmTopic) {
      this.alarmTopic = props.alarmTopic;
    } else {
      this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true, displayName: 'Restore verification alarms' });
    }

    // --- restore testing plan and selections
    this.restoreTestingPlanName = props.restoreTestingPlanName
      ?? Names.uniqueResourceName(this, { maxLength: 50, separator: '_', allowedSpecialCharacters: '_' }).replace(/[^A-Za-z0-9_]/g, '_');
    const schedule = props.schedule ?? events.Schedule.cron({ minute: '0', hour: '3', weekDay: 'SUN' });
    this.restoreTestingPlan = new backup.CfnRestoreTestingPlan(this, 'Plan', {
      restoreTestingPlanName: this.restoreTestingPlanName,
      scheduleExpression: schedule.expressionString,
      startWindowHours: (props.startWindow ?? Duration.hours(8)).toHours(),
      recoveryPointSelection: {
        algorithm: 'LATEST_WITHIN_WINDOW',
        includeVaults: props.vaults.map((v) => v.backupVaultArn),
        recoveryPointTypes: ['SNAPSHOT', 'CONTINUOUS'],
        selectionWindowDays: (props.selectionWindow ?? Duration.days(7)).toDays(),
      },
    });
    this.restoreTestingPlanArn = this.restoreTestingPlan.attrRestoreTestingPlanArn;

    const restoreRole = props.restoreRole ?? this.defaultRestoreRole();
    const sgList = stack.toJsonString([this.restoredInstanceSecurityGroup.securityGroupId]);
    const usedSelectionNames = new Set<string>();
    this.selections = props.databases.map((db) => {
      const instance = db.database.kind === DatabaseResourceKind.RDS_INSTANCE;
      // Keys are those AWS Backup lets a selection override for RDS instances and for clusters.
      const overrides: Record<string, string> = instance
        ? {
          dbInstanceClass: props.restoredInstanceClass ?? 'db.t4g.medium',
          dbSubnetGroupName: this.restoreSubnetGroup.subnetGroupName,
          vpcSecurityGroupIds: sgList,
          publiclyAccessible: 'false',
        }
        : {
          dbSubnetGroupName: this.restoreSubnetGroup.subnetGroupName,
          vpcSecurityGroupIds: sgList,
        };
      let selectionName = db.name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 50);
      for (let i = 2; usedSelectionNames.has(selectionName); i++) selectionName = `${selectionName.slice(0, 46)}_${i}`;
      usedSelectionNames.add(selectionName);
      const selection = new backup.CfnRestoreTestingSelection(this, `Selection${db.name}`, {
        restoreTestingPlanName: this.restoreTestingPlanName,
        restoreTestingSelectionName: selectionName,
        protectedResourceType: db.database.kind,
        protectedResourceArns: [db.database.arn],
        iamRoleArn: restoreRole.roleArn,
        restoreMetadataOverrides: overrides,
        validationWindowHours: (props.validationWindow ?? Duration.hours(4)).toHours(),
      });
      selection.addResourceDependency(this.restoreTestingPlan);
      return selection;
    });

    // --- validator
    const validatorConfig: ValidatorConfig = {
      restoreTestingPlanArn: this.restoreTestingPlanArn,
      restoreTestingPlanName: this.restoreTestingPlanName,
      store,
      tls: true,
      rowCountAbsoluteTolerance: props.rowCountAbsoluteTolerance ?? 0,
      rowCountGrowthRatePerDay: props.rowCountGrowthRatePerDay ?? 0.05,
      databases: props.databases.map((d) => ({
        name: d.name, engine: d.engine, sourceArn: d.database.arn, secretArn: d.masterSecret.secretArn, databaseName: d.databaseName,
      })),
    };
    const validator = this.verificationFunction('Validator', {
      handler: 'restore-validator',
      description: `Verifies restore tests of ${this.restoreTestingPlanName} against production baselines`,
      securityGroup: this.validatorSecurityGroup,
      env: { [VALIDATOR_ENV.config]: this.envJson(VALIDATOR_ENV.config, validatorConfig) },
      timeout: Duration.minutes(10),
      reservedConcurrency: props.validatorConcurrency ?? 2,
      props, subnets,
    });
    this.validator = validator.fn;
    const restoreJobs = `arn:${Aws.PARTITION}:backup:${Aws.REGION}:${Aws.ACCOUNT_ID}:restore-job:*`;
    // Restore testing names every restored resource awsbackup-restore-test-<random>.
    const restoredDb = `arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:db:awsbackup-restore-test-*`;
    const restoredCluster = `arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:cluster:awsbackup-restore-test-*`;
    const baselineObjects = this.baselineBucket.arnForObjects(`${BASELINE_PREFIX}*`);
    validator.policy.addStatements(
      new iam.PolicyStatement({ sid: 'RestoreJobs', actions: ['backup:DescribeRestoreJob', 'backup:PutRestoreValidationResult'], resources: [restoreJobs] }),
      new iam.PolicyStatement({ sid: 'RestoredInstances', actions: ['rds:DescribeDBInstances'], resources: [restoredDb] }),
      new iam.PolicyStatement({ sid: 'RestoredClusters', actions: ['rds:DescribeDBClusters'], resources: [restoredCluster] }),
      new iam.PolicyStatement({ sid: 'ReadBaselines', actions: ['s3:GetObject'], resources: [baselineObjects] }),
      new iam.PolicyStatement({ sid: 'DecryptBaselines', actions: ['kms:Decrypt'], resources: [storeKey.keyArn] }),
    );
    acknowledgeWildcardResource(validator.policy, restoreJobs,
      'Restore job ids are generated when AWS Backup starts a test; the handler only acts on jobs whose CreatedBy.RestoreTestingPlanArn is this plan');
    acknowledgeWildcardResource(validator.policy, restoredDb,
      'Restore testing names each restored instance awsbackup-restore-test-<random>; the prefix limits Describe to restore-test copies');
    acknowledgeWildcardResource(validator.policy, restoredCluster,
      'Restore testing names each restored cluster awsbackup-restore-test-<random>; the prefix limits Describe to restore-test copies');
    acknowledgeWildcardResource(validator.policy, baselineObjects,
      'One baseline object per verified database under the baselines/ prefix; the validator reads them, nothing else in the bucket');
    props.databases.forEach((d, i) => this.allowSecretRead(validator.policy, d.masterSecret, `MasterSecret${i}`));

    this.restoreCompletedRule = new events.Rule(this, 'RestoreCompletedRule', {
      description: `Completed restore jobs; the validator keeps those of ${this.restoreTestingPlanName}`,
      eventPattern: { source: ['aws.backup'], detailType: ['Restore Job State Change'], detail: { status: ['COMPLETED'] } },
    });
    this.restoreCompletedRule.addTarget(new targets.LambdaFunction(this.validator, { retryAttempts: 8, maxEventAge: Duration.hours(2) }));

    // --- baseline capture
    const baselineConfig: BaselineCaptureConfig = {
      store,
      tls: true,
      databases: props.databases.map((d) => ({
        name: d.name, engine: d.engine, secretArn: d.readOnlySecret.secretArn,
        ...(d.productionHost ? { host: d.productionHost, port: d.port ?? DEFAULT_PORTS[d.engine] } : d.port ? { port: d.port } : {}),
        databaseName: d.databaseName, largestTables: d.largestTables ?? 10,
        userChecks: (d.checks ?? []).map(toUserCheckConfig),
      })),
    };
    const baselineFn = this.verificationFunction('BaselineCapture', {
      handler: 'baseline-capture',
      description: `Captures production baselines for ${this.restoreTestingPlanName}`,
      securityGroup: this.baselineSecurityGroup,
      env: { [BASELINE_ENV.config]: this.envJson(BASELINE_ENV.config, baselineConfig) },
      timeout: Duration.minutes(15),
      reservedConcurrency: 1,
      props, subnets,
    });
    this.baselineFunction = baselineFn.fn;
    baselineFn.policy.addStatements(
      new iam.PolicyStatement({ sid: 'WriteBaselines', actions: ['s3:PutObject'], resources: [baselineObjects] }),
      new iam.PolicyStatement({ sid: 'EncryptBaselines', actions: ['kms:GenerateDataKey', 'kms:Encrypt'], resources: [storeKey.keyArn] }),
    );
    acknowledgeWildcardResource(baselineFn.policy, baselineObjects,
      'One baseline object per verified database under the baselines/ prefix; the capture writes them, nothing else in the bucket');
    props.databases.forEach((d, i) => this.allowSecretRead(baselineFn.policy, d.readOnlySecret, `ReadOnlySecret${i}`));
    const baselineSchedule = props.baselineSchedule ?? events.Schedule.cron({ minute: '0', hour: '1' });
    props.databases.forEach((d) => {
      const rule = new events.Rule(this, `BaselineSchedule${d.name}`, { schedule: baselineSchedule, description: `Baseline capture of ${d.name}` });
      rule.addTarget(new targets.LambdaFunction(this.baselineFunction, {
        event: events.RuleTargetInput.fromObject({ database: d.name }), retryAttempts: 2, maxEventAge: Duration.hours(1),
      }));
    });

    // --- alarms
    const days = (props.maxTimeWithoutSuccess ?? Duration.days(7)).toDays();
    const action = new cwActions.SnsAction(this.alarmTopic);
    for (const d of props.databases) {
      this.addAlarm(`Failed${d.name}`, {
        alarmDescription: `A restore test of ${d.name} failed verification (see the restore job's validation message)`,
        metric: this.metricVerificationFailure(d.name, { period: Duration.hours(1) }),
        threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }, action);
      this.addAlarm(`NoSuccess${d.name}`, {
        alarmDescription: `No restore of ${d.name} passed verification in ${days} days`,
        metric: this.metricVerificationSuccess(d.name, { period: Duration.days(1) }),
        threshold: 1, evaluationPeriods: days, datapointsToAlarm: days,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // Silence is the failure this alarm exists for.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }, action);
    }
    this.addAlarm('BaselineErrors', {
      alarmDescription: 'Baseline capture failed: restore tests compare with a stale or missing baseline',
      metric: this.baselineFunction.metricErrors({ period: Duration.hours(1) }),
      threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }, action);
    this.addAlarm('ValidatorErrors', {
      alarmDescription: 'The restore validator could not deliver a verdict (AWS Backup shows no validation result)',
      metric: this.validator.metricErrors({ period: Duration.hours(1) }),
      threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }, action);
  }

  /** `VerificationSuccess` of one database. @default sum over 5 minutes */
  public metricVerificationSuccess(database: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.success(this.known(database), props);
  }

  /** `VerificationFailure` of one database. @default sum over 5 minutes */
  public metricVerificationFailure(database: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.failure(this.known(database), props);
  }

  /** `VerificationDurationSeconds` of one database. @default maximum over 5 minutes */
  public metricVerificationDuration(database: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.duration(this.known(database), props);
  }

  /** `MeasuredRtoSeconds`: restore job creation to a verified copy. @default maximum over 5 minutes */
  public metricMeasuredRto(database: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.measuredRto(this.known(database), props);
  }

  /** `RestoredDataAgeSeconds`: age of the restored recovery point at verification. @default maximum over 5 minutes */
  public metricRestoredDataAge(database: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return VerificationMetrics.restoredDataAge(this.known(database), props);
  }

  private known(database: string): string {
    if (!this.databaseNames.includes(database)) {
      throw new ConfigurationError(`RestoreVerification ${this.node.path}`, [`database: '${database}' is not verified here (known: ${this.databaseNames.join(', ')})`]);
    }
    return database;
  }

  private addAlarm(id: string, props: cloudwatch.AlarmProps, action: cloudwatch.IAlarmAction): void {
    const alarm = new cloudwatch.Alarm(this, id, props);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }

  /** Serialises a handler's configuration; refuses one that would not fit Lambda's 4 KB environment. */
  private envJson(name: string, value: unknown): string {
    const json = Stack.of(this).toJsonString(value);
    // Unresolved references are short placeholders now; count each as a long ARN.
    const raw = JSON.stringify(value, (_k, v) => (typeof v === 'string' && Token.isUnresolved(v) ? 'x'.repeat(120) : v));
    if (raw.length + name.length > LAMBDA_ENV_LIMIT - 64) {
      throw new ConfigurationError(`RestoreVerification ${this.node.path}`, [
        `checks: the configuration of ${name} takes about ${raw.length} bytes, over Lambda's ${LAMBDA_ENV_LIMIT}-byte environment limit; shorten the user checks' SQL or split the databases over several RestoreVerification constructs`,
      ]);
    }
    return json;
  }

  private defaultRestoreRole(): iam.IRole {
    const role = new iam.Role(this, 'RestoreRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup restore testing: restores recovery points into throw-away instances',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores')],
    });
    acknowledge(role, [[
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
      'The AWS managed AWS Backup restore policy follows every resource type and permission AWS Backup restores need; a hand-copied policy would fall behind',
    ]]);
    return role;
  }

  private verificationFunction(id: string, o: {
    handler: string; description: string; securityGroup: ec2.ISecurityGroup; env: Record<string, string>;
    timeout: Duration; reservedConcurrency: number; props: RestoreVerificationProps; subnets: ec2.SubnetSelection;
  }): { fn: lambda.Function; policy: iam.ManagedPolicy } {
    const key = this.encryptionKey;
    const dlq = new sqs.Queue(this, `${id}DeadLetters`, {
      encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true, retentionPeriod: Duration.days(14),
    });
    acknowledge(dlq, [['AwsSolutions-SQS3', 'This queue is the dead-letter queue of the function; a dead-letter queue of its own would only move the same events']]);
    const logGroup = encryptedLogGroup(this, `${id}Logs`, key, o.props.logRetention ?? logs.RetentionDays.ONE_YEAR);
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: o.description });
    // A customer-managed policy (inline policies fail the HIPAA/NIST/PCI IAMNoInlinePolicy rule);
    // every permission is written into it explicitly, never through grant…() helpers.
    const policy = new iam.ManagedPolicy(this, `${id}Policy`, { roles: [role], description: o.description });
    policy.addStatements(
      new iam.PolicyStatement({ sid: 'Logs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      new iam.PolicyStatement({ sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [dlq.queueArn] }),
      new iam.PolicyStatement({ sid: 'OwnKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
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
    const fn = new lambda.Function(this, id, {
      runtime: VERIFICATION_RUNTIME,
      handler: 'index.handler',
      code: handlerCode(o.handler),
      description: o.description,
      memorySize: 512,
      timeout: o.timeout,
      role: role.withoutPolicyUpdates(),
      vpc: o.props.vpc,
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
      environmentEncryption: key,
      logGroup,
    });
    // Lambda checks the DLQ and VPC permissions when the function is created.
    fn.node.addDependency(policy);
    this.addAlarm(`${id}DeadLetterAlarm`, {
      alarmDescription: `${id}: events that failed every retry are waiting in the dead-letter queue`,
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }, new cwActions.SnsAction(this.alarmTopic));
    return { fn, policy };
  }

  /** GetSecretValue on one secret (and its key), written into a managed policy. */
  private allowSecretRead(policy: iam.ManagedPolicy, secret: secretsmanager.ISecret, sid: string): void {
    const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
    policy.addStatements(new iam.PolicyStatement({ sid, actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [arn] }));
    if (!secret.secretFullArn) {
      acknowledgeWildcardResource(policy, arn, 'Secrets imported by name or partial ARN carry a random 6-character suffix; "-??????" matches exactly that suffix of this one secret');
    }
    if (secret.encryptionKey) {
      policy.addStatements(new iam.PolicyStatement({
        sid: `${sid}Key`, actions: ['kms:Decrypt'], resources: [secret.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
      }));
    }
  }
}

function toUserCheckConfig(c: VerificationCheck): UserCheckConfig {
  return {
    name: c.name, sql: c.sql, expect: c.expect,
    ...(c.expect === CheckExpectation.NEWER_THAN && c.maxAge ? { value: c.maxAge.toSeconds() } : {}),
    ...(c.expect !== CheckExpectation.NEWER_THAN && c.value !== undefined ? { value: c.value } : {}),
  };
}

function validateProps(subject: string, props: RestoreVerificationProps): void {
  const problems: string[] = [];
  if (!props.vaults || props.vaults.length === 0) problems.push('vaults: at least one vault is required, got none');
  if (!props.databases || props.databases.length === 0) problems.push('databases: at least one database is required, got none');
  const names = new Set<string>();
  (props.databases ?? []).forEach((d, i) => {
    const where = `databases[${i}]`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(d.name ?? '')) problems.push(`${where}.name must be 1–64 letters, digits, '_' or '-', got '${d.name}'`);
    else if (names.has(d.name)) problems.push(`${where}.name '${d.name}' is used twice`);
    names.add(d.name);
    if (!Object.values(VerifiedEngine).includes(d.engine)) problems.push(`${where}.engine must be postgres or mysql, got '${d.engine}'`);
    if (!d.databaseName) problems.push(`${where}.databaseName is required`);
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
  const hours = (d: Duration | undefined, field: string, min: number, max: number) => {
    if (d === undefined || d.isUnresolved()) return;
    const h = d.toHours({ integral: false });
    if (!Number.isInteger(h) || h < min || h > max) problems.push(`${field} must be whole hours from ${min} to ${max}, got ${d.toHumanString()}`);
  };
  hours(props.startWindow, 'startWindow', 1, 168);
  hours(props.validationWindow, 'validationWindow', 1, 168);
  const days = (d: Duration | undefined, field: string, min: number, max: number) => {
    if (d === undefined || d.isUnresolved()) return;
    const n = d.toDays({ integral: false });
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${field} must be whole days from ${min} to ${max}, got ${d.toHumanString()}`);
  };
  days(props.selectionWindow, 'selectionWindow', 1, 365);
  days(props.maxTimeWithoutSuccess, 'maxTimeWithoutSuccess', 1, 7);
  if (props.schedule && !props.schedule.expressionString.startsWith('cron(')) {
    problems.push(`schedule must be a cron schedule (restore testing plans take cron expressions), got '${props.schedule.expressionString}'`);
  }
  if (props.restoreTestingPlanName !== undefined && !/^[A-Za-z0-9_]{1,50}$/.test(props.restoreTestingPlanName)) {
    problems.push(`restoreTestingPlanName must be 1–50 letters, digits or '_', got '${props.restoreTestingPlanName}'`);
  }
  if (props.validatorConcurrency !== undefined && (!Number.isInteger(props.validatorConcurrency) || props.validatorConcurrency < 1)) {
    problems.push(`validatorConcurrency must be a positive integer, got ${props.validatorConcurrency}`);
  }
  if (props.rowCountGrowthRatePerDay !== undefined && !(props.rowCountGrowthRatePerDay >= 0)) problems.push(`rowCountGrowthRatePerDay must be ≥ 0, got ${props.rowCountGrowthRatePerDay}`);
  if (props.rowCountAbsoluteTolerance !== undefined && !(Number.isInteger(props.rowCountAbsoluteTolerance) && props.rowCountAbsoluteTolerance >= 0)) {
    problems.push(`rowCountAbsoluteTolerance must be a whole number ≥ 0, got ${props.rowCountAbsoluteTolerance}`);
  }
  if (problems.length > 0) throw new ConfigurationError(subject, problems);
}
