/**
 * Scheduled restore tests of RDS instances and Aurora clusters with a verdict: an AWS Backup
 * restore testing plan restores the latest recovery point into a small, private, throw-away
 * instance; the validator Lambda compares it with a baseline captured from production and
 * reports SUCCESSFUL or FAILED back to AWS Backup, with metrics and alarms.
 */
import {
  Aws, Duration, Names, RemovalPolicy, Stack,
  aws_backup as backup, aws_cloudwatch as cloudwatch, aws_ec2 as ec2,
  aws_events as events, aws_events_targets as targets, aws_iam as iam, aws_kms as kms, aws_lambda as lambda,
  aws_logs as logs, aws_rds as rds, aws_s3 as s3, aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { VerificationMetrics } from '../monitoring/verification-metrics';
import { DatabaseResourceKind } from '../protection/protected-database';
import { acknowledge, acknowledgeWildcardResource } from '../storage/acknowledgements';
import {
  allowSecretRead, BASELINE_PREFIX, BaselineCapture, BaselineDatabase, allowConfigObjectRead, baselineDatabaseProblems, configEnvironment, defaultPort,
} from './baseline-capture';
import { VALIDATOR_ENV, ValidatorConfig } from '../../runtime/contracts/verification';
import { verificationFunction, verificationKey } from './lambda-support';
import { SharedRestoreTestingSelections } from './restore-testing-selections';
import { VerifiedDatabase } from './verified-database';

export interface RestoreVerificationProps {
  /** Vaults whose recovery points are restore-tested (the protection's primary vaults). */
  readonly vaults: backup.IBackupVault[];
  /** The databases to verify: those named by ARN share a restore testing selection per resource type, one selected by tags has its own. */
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
   * A baseline capture that already captures every database of `databases` (e.g. one capture for
   * a stack's verified databases and its drills' databases): the validator reads its baselines
   * and no capture of this construct's own is created. `baselineSchedule`, `baselineBucket` and
   * `baselineEncryptionKey` are then the capture's own.
   * @default - a new BaselineCapture of `databases`
   */
  readonly baselineCapture?: BaselineCapture;
  /**
   * Bucket of the baselines, encrypted with `baselineEncryptionKey`.
   * @default - a new versioned bucket encrypted with `baselineEncryptionKey`
   */
  readonly baselineBucket?: s3.IBucket;
  /**
   * Key of `baselineBucket` (baselines are written with SSE-KMS under it).
   * @default - `baselineBucket`'s key when known, else this construct's key (required when `baselineBucket` is given without a known key)
   */
  readonly baselineEncryptionKey?: kms.IKey;
  /**
   * Key of the construct's logs, queues, Lambda environments and (new) baseline bucket. Share one
   * between the verifications of several stacks; CloudWatch Logs and CloudWatch alarms of the
   * account must be allowed to use it (a key from `RestoreVerification.createKey` is).
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Alarm when no restore of a database passed verification for this long (whole days, 1–7:
   * CloudWatch evaluates alarms over at most 7 days).
   * @default Duration.days(7)
   */
  readonly maxTimeWithoutSuccess?: Duration;
  /**
   * Row-count drift always allowed, in rows. See runtime/integrity/row-counts.ts.
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

export class RestoreVerification extends Construct {
  public readonly restoreTestingPlan: backup.CfnRestoreTestingPlan;
  public readonly restoreTestingPlanName: string;
  public readonly restoreTestingPlanArn: string;
  /**
   * The restore testing selections: databases identified by ARN share one per resource type (RDS
   * instances, Aurora clusters), up to 30 ARNs each (AWS Backup's limit), then a second; a database
   * selected by tags has one of its own. `selectionOf(database)` gives a database's selection.
   */
  public readonly selections: backup.CfnRestoreTestingSelection[];
  /** Rule on `Restore Job State Change` / `COMPLETED` that invokes the validator. */
  public readonly restoreCompletedRule: events.Rule;
  public readonly validator: lambda.Function;
  public readonly baselineFunction: lambda.Function;
  /** The production baseline capture the validator compares with. */
  public readonly baselineCapture: BaselineCapture;
  public readonly baselineBucket: s3.IBucket;
  public readonly encryptionKey: kms.IKey;
  /** Security group of the restored instances: admits the validator only. */
  public readonly restoredInstanceSecurityGroup: ec2.SecurityGroup;
  public readonly validatorSecurityGroup: ec2.SecurityGroup;
  /** Allow this group into production databases not listed in `productionSecurityGroups`. */
  public readonly baselineSecurityGroup: ec2.SecurityGroup;
  public readonly restoreSubnetGroup: rds.SubnetGroup;
  /** Dead-letter queue of the validator (restore events that failed every retry). */
  public readonly validatorDeadLetterQueue: sqs.IQueue;
  /** The names of the verified databases. */
  public readonly databaseNames: string[];
  private readonly selectionByDatabase: Map<string, backup.CfnRestoreTestingSelection>;
  /** The vaults whose recovery points are restore-tested. */
  public readonly vaults: backup.IBackupVault[];
  /** How long a verified database may go without a passing restore test before it is alarmed. */
  public readonly maxTimeWithoutSuccess: Duration;

  /**
   * A key with rotation that CloudWatch Logs (log groups of this account and Region) and
   * CloudWatch alarms may use: give it as `encryptionKey` to the restore verifications, baseline
   * captures and monitorings of several stacks so that they share one key.
   */
  public static createKey(scope: Construct, id: string): kms.Key {
    return verificationKey(scope, id);
  }

  /**
   * The baseline-capture entry of a verified database (production's endpoint, its read-only user
   * and checks): give it to a BaselineCapture that serves this verification (`baselineCapture`).
   */
  public static baselineDatabaseOf(database: VerifiedDatabase): BaselineDatabase {
    return toBaselineDatabase(database);
  }

  constructor(scope: Construct, id: string, props: RestoreVerificationProps) {
    super(scope, id);
    this.databaseNames = (props.databases ?? []).map((d) => d.name);
    this.vaults = [...(props.vaults ?? [])];
    this.maxTimeWithoutSuccess = props.maxTimeWithoutSuccess ?? Duration.days(7);
    validateProps(`RestoreVerification ${this.node.path}`, props);
    const stack = Stack.of(this);
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    this.encryptionKey = props.encryptionKey ?? verificationKey(this, 'Key');
    const key = this.encryptionKey;

    // --- baseline capture from production, into the store the validator reads
    this.baselineCapture = props.baselineCapture ?? new BaselineCapture(this, 'BaselineCapture', {
      databases: props.databases.map(toBaselineDatabase),
      vpc: props.vpc,
      vpcSubnets: subnets,
      schedule: props.baselineSchedule,
      baselineBucket: props.baselineBucket,
      baselineEncryptionKey: props.baselineEncryptionKey,
      encryptionKey: key,
      logRetention: props.logRetention,
    });
    this.baselineFunction = this.baselineCapture.function;
    this.baselineBucket = this.baselineCapture.baselineBucket;
    this.baselineSecurityGroup = this.baselineCapture.securityGroup;
    const storeKey = this.baselineCapture.baselineEncryptionKey;
    const store = { bucket: this.baselineBucket.bucketName, prefix: BASELINE_PREFIX, kmsKeyArn: storeKey.keyArn };

    // --- network: restored copies admit only the validator; the validator reaches AWS APIs over 443.
    this.validatorSecurityGroup = new ec2.SecurityGroup(this, 'ValidatorSecurityGroup', {
      vpc: props.vpc, allowAllOutbound: false, description: 'Restore validator: AWS APIs over HTTPS and the restored instances',
    });
    this.restoredInstanceSecurityGroup = new ec2.SecurityGroup(this, 'RestoredInstanceSecurityGroup', {
      vpc: props.vpc, allowAllOutbound: false, description: 'Restore-test instances: reachable from the restore validator only',
    });
    this.validatorSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (Backup, RDS, S3, Secrets Manager)');
    const ports = new Set(props.databases.map((d) => d.port ?? defaultPort(d.engine)));
    for (const port of ports) {
      this.restoredInstanceSecurityGroup.addIngressRule(this.validatorSecurityGroup, ec2.Port.tcp(port), 'restore validator');
      this.validatorSecurityGroup.addEgressRule(this.restoredInstanceSecurityGroup, ec2.Port.tcp(port), 'restored instances');
    }
    this.restoreSubnetGroup = new rds.SubnetGroup(this, 'RestoreSubnetGroup', {
      vpc: props.vpc, vpcSubnets: subnets, description: `Subnets of restore-test instances of ${this.node.path}`,
      removalPolicy: RemovalPolicy.DESTROY,
    });

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
    const uniqueName = (wanted: string) => {
      let name = wanted.slice(0, 50);
      for (let i = 2; usedSelectionNames.has(name); i++) name = `${wanted.slice(0, 46)}_${i}`;
      usedSelectionNames.add(name);
      return name;
    };
    // Keys are those AWS Backup lets a selection override for RDS instances and for clusters.
    const network = { dbSubnetGroupName: this.restoreSubnetGroup.subnetGroupName, vpcSecurityGroupIds: sgList };
    const overridesOf = (kind: DatabaseResourceKind): Record<string, string> => (kind === DatabaseResourceKind.RDS_INSTANCE
      ? { dbInstanceClass: props.restoredInstanceClass ?? 'db.t4g.medium', ...network, publiclyAccessible: 'false' }
      : network);
    const selectionProps = (kind: DatabaseResourceKind, name: string): backup.CfnRestoreTestingSelectionProps => ({
      restoreTestingPlanName: this.restoreTestingPlanName,
      restoreTestingSelectionName: uniqueName(name),
      protectedResourceType: kind,
      iamRoleArn: restoreRole.roleArn,
      restoreMetadataOverrides: overridesOf(kind),
      validationWindowHours: (props.validationWindow ?? Duration.hours(4)).toHours(),
    });
    const shared = new SharedRestoreTestingSelections();
    const selections: backup.CfnRestoreTestingSelection[] = [];
    const selectionOf = new Map<string, backup.CfnRestoreTestingSelection>();
    for (const db of props.databases) {
      const kind = db.database.kind;
      let selection: backup.CfnRestoreTestingSelection;
      if (db.database.selectionTags) {
        // A database selected by tags: every protected resource of the type carrying all its tags, in a selection of its own.
        selection = new backup.CfnRestoreTestingSelection(this, `Selection${db.name}`, {
          ...selectionProps(kind, db.name.replace(/[^A-Za-z0-9_]/g, '_')),
          protectedResourceArns: ['*'],
          protectedResourceConditions: { stringEquals: db.database.selectionTags.map((t) => ({ key: `aws:ResourceTag/${t.key}`, value: t.value })) },
        });
        selections.push(selection);
      } else {
        // Databases named by ARN share the selection of their type (ids and names by type and group number only).
        selection = shared.add(this, kind, db.database.arn, (n) => {
          const created = new backup.CfnRestoreTestingSelection(this, `Selection.${kind}.${n}`, {
            ...selectionProps(kind, `by_arn_${kind}_${n}`),
            protectedResourceArns: [],
          });
          selections.push(created);
          return created;
        });
      }
      selection.addResourceDependency(this.restoreTestingPlan);
      selectionOf.set(db.name, selection);
    }
    this.selections = selections;
    this.selectionByDatabase = selectionOf;

    // --- validator
    const validatorConfig: ValidatorConfig = {
      restoreTestingPlanArn: this.restoreTestingPlanArn,
      restoreTestingPlanName: this.restoreTestingPlanName,
      store,
      tls: true,
      rowCountAbsoluteTolerance: props.rowCountAbsoluteTolerance ?? 0,
      rowCountGrowthRatePerDay: props.rowCountGrowthRatePerDay ?? 0.05,
      databases: props.databases.map((d) => ({
        name: d.name, engine: d.engine,
        // The validator reads only the resource type of a tag-selected database's pattern: written without the stack's
        // partition, Region and account (deploy-time references), a fleet's configuration can move to its object.
        sourceArn: d.database.selectionTags ? `arn:*:rds:*:*:${d.database.kind === DatabaseResourceKind.AURORA_CLUSTER ? 'cluster' : 'db'}:*` : d.database.arn,
        secretArn: d.masterSecret.secretArn, databaseName: d.databaseName,
        ...(d.database.selectionTags ? { sourceTags: Object.fromEntries(d.database.selectionTags.map((t) => [t.key, t.value])) } : {}),
      })),
    };
    const validatorEnv = configEnvironment(this, `RestoreVerification ${this.node.path}`, VALIDATOR_ENV.config, validatorConfig as unknown as Record<string, unknown>, 'databases');
    const validator = verificationFunction(this, 'Validator', {
      handler: 'restore-validator',
      description: `Verifies restore tests of ${this.restoreTestingPlanName} against production baselines`,
      securityGroup: this.validatorSecurityGroup,
      env: validatorEnv.env,
      timeout: Duration.minutes(10),
      reservedConcurrency: props.validatorConcurrency ?? 2,
      vpc: props.vpc, subnets, key,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    this.validator = validator.fn;
    this.validatorDeadLetterQueue = validator.deadLetterQueue;
    const restoreJobs = `arn:${Aws.PARTITION}:backup:${Aws.REGION}:${Aws.ACCOUNT_ID}:restore-job:*`;
    // Restore testing names every restored resource awsbackup-restore-test-<random>.
    const restoredDb = `arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:db:awsbackup-restore-test-*`;
    const restoredCluster = `arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:cluster:awsbackup-restore-test-*`;
    const baselineObjects = this.baselineBucket.arnForObjects(`${BASELINE_PREFIX}*`);
    allowConfigObjectRead(validator.policy, validatorEnv);
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
    // A restore of a database selected by tags is matched to it by its source's tags, whose ARN is
    // known only at run time.
    for (const kind of new Set(props.databases.filter((d) => d.database.isSelectedByTags).map((d) => d.database.kind))) {
      const sources = `arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:${kind === DatabaseResourceKind.AURORA_CLUSTER ? 'cluster' : 'db'}:*`;
      validator.policy.addStatements(new iam.PolicyStatement({ sid: `SourceTags${kind}`, actions: ['rds:ListTagsForResource'], resources: [sources] }));
      acknowledgeWildcardResource(validator.policy, sources,
        'A database selected by tags has no ARN at synth; the validator reads only the tags of a restore job\'s source to match it to its database (read-only, no data)');
    }
    props.databases.forEach((d, i) => allowSecretRead(validator.policy, d.masterSecret, `MasterSecret${i}`));

    this.restoreCompletedRule = new events.Rule(this, 'RestoreCompletedRule', {
      description: `Completed restore jobs; the validator keeps those of ${this.restoreTestingPlanName}`,
      eventPattern: { source: ['aws.backup'], detailType: ['Restore Job State Change'], detail: { status: ['COMPLETED'] } },
    });
    this.restoreCompletedRule.addTarget(new targets.LambdaFunction(this.validator, { retryAttempts: 8, maxEventAge: Duration.hours(2) }));
  }

  /** The restore testing selection that selects a verified database (shared with the other databases of its resource type when it is named by ARN). */
  public selectionOf(database: string): backup.CfnRestoreTestingSelection {
    return this.selectionByDatabase.get(this.known(database))!;
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

  /** `Errors` of the validator: a restore test got no verdict. @default sum over 1 hour */
  public metricValidatorErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.validator.metricErrors({ period: Duration.hours(1), ...props });
  }

  /** Events waiting in the validator's dead-letter queue. @default maximum over 5 minutes */
  public metricValidatorDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.validatorDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  private known(database: string): string {
    if (!this.databaseNames.includes(database)) {
      throw new ConfigurationError(`RestoreVerification ${this.node.path}`, [`database: '${database}' is not verified here (known: ${this.databaseNames.join(', ')})`]);
    }
    return database;
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
}

/** What the baseline capture needs of a verified database: production's endpoint and read-only user. */
function toBaselineDatabase(d: VerifiedDatabase): BaselineDatabase {
  return {
    name: d.name, engine: d.engine, databaseName: d.databaseName, readOnlySecret: d.readOnlySecret,
    host: d.productionHost, port: d.port, productionSecurityGroups: d.productionSecurityGroups,
    checks: d.checks, largestTables: d.largestTables,
  };
}

function validateProps(subject: string, props: RestoreVerificationProps): void {
  const problems: string[] = [];
  if (!props.vaults || props.vaults.length === 0) problems.push('vaults: at least one vault is required, got none');
  problems.push(...baselineDatabaseProblems(props.databases?.map(toBaselineDatabase), 'productionHost'));
  if (props.baselineCapture) {
    const captured = new Set(props.baselineCapture.databaseNames);
    const missing = (props.databases ?? []).map((d) => d.name).filter((n) => !captured.has(n));
    if (missing.length > 0) {
      problems.push(`baselineCapture: ${props.baselineCapture.node.path} captures ${JSON.stringify([...captured])}, not ${JSON.stringify(missing)} of databases`);
    }
    for (const field of ['baselineSchedule', 'baselineBucket', 'baselineEncryptionKey'] as const) {
      if (props[field] !== undefined) problems.push(`${field}: the given baselineCapture has its own; leave ${field} unset, got a value`);
    }
  }
  (props.databases ?? []).forEach((d, i) => {
    if (!d.database) problems.push(`databases[${i}].database is required (the RDS instance or Aurora cluster AWS Backup protects)`);
    if (!d.masterSecret) problems.push(`databases[${i}].masterSecret is required (the restored copy keeps the source's master credentials)`);
  });
  if (props.baselineBucket && !props.baselineEncryptionKey && !props.baselineBucket.encryptionKey) {
    problems.push('baselineEncryptionKey: required when baselineBucket has no known encryption key (baselines are written with SSE-KMS)');
  }
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
