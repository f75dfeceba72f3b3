/**
 * An AWS Backup Audit Manager framework with the controls that match this library's promise,
 * and a report plan that delivers its compliance reports to a bucket.
 *
 * Controls (names and input parameters as in the AWS Backup "Choosing your controls" page):
 * - BACKUP_RECOVERY_POINT_ENCRYPTED — recovery points are encrypted;
 * - BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED — vaults prevent manual deletion;
 * - BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK (minRetentionDays, maxRetentionDays);
 * - BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK (requiredFrequencyUnit hours|days,
 *   requiredFrequencyValue ≤ 24 h / 31 d, requiredRetentionDays);
 * - BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK (requiredRetentionDays);
 * - BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION (crossRegionList, up to 3 Regions);
 * - BACKUP_LAST_RECOVERY_POINT_CREATED (recoveryPointAgeUnit hours|days, recoveryPointAgeValue
 *   ≤ 744 h / 31 d) — set from the RPO.
 * Audit Manager evaluates controls through AWS Config: Config recording must be on for the
 * AWS Backup resource types in the Region.
 * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
 */
import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';

export interface BackupAuditFrameworkProps {
  /**
   * The tightest RPO of the protected databases: the newest recovery point must be younger.
   * Rounded up to whole hours (the control's finest unit).
   */
  readonly rpo: Duration;
  /** Shortest retention any recovery point should have. */
  readonly minRetention: Duration;
  /**
   * How often a backup plan must run at least.
   * @default Duration.days(1)
   */
  readonly requiredFrequency?: Duration;
  /**
   * Vault Lock retention bounds the vaults must enforce.
   * @default - the control checks that a lock exists, with AWS's default bounds
   */
  readonly vaultLockMinRetention?: Duration;
  /** @default - no maximum */
  readonly vaultLockMaxRetention?: Duration;
  /** Regions that must hold a copy (1–3). */
  readonly crossRegions: string[];
  /**
   * AWS Backup resource types the controls evaluate.
   * @default ['RDS', 'Aurora']
   */
  readonly resourceTypes?: string[];
  /** Bucket that receives the compliance reports (for example the log bucket). */
  readonly reportBucket: s3.IBucket;
  /**
   * Key prefix of the reports.
   * @default 'backup-audit'
   */
  readonly reportPrefix?: string;
  /**
   * Name of the framework (letters, digits, underscores; starts with a letter).
   * @default - derived from the construct path
   */
  readonly frameworkName?: string;
}

export class BackupAuditFramework extends Construct {
  public readonly framework: backup.CfnFramework;
  public readonly reportPlan: backup.CfnReportPlan;

  constructor(scope: Construct, id: string, props: BackupAuditFrameworkProps) {
    super(scope, id);
    const problems: string[] = [];
    // ControlScope is untyped JSON in CloudFormation's schema: CloudFormation's key spelling.
    const scope_ = { ComplianceResourceTypes: props.resourceTypes ?? ['RDS', 'Aurora'] };

    const rpoHours = Math.ceil(props.rpo.toMinutes({ integral: false }) / 60);
    let age: { unit: string; value: number };
    if (rpoHours <= 744) {
      age = { unit: 'hours', value: Math.max(1, rpoHours) };
    } else {
      problems.push(`rpo: ${props.rpo.toHumanString()} is longer than the control's maximum of 744 hours (31 days)`);
      age = { unit: 'days', value: 31 };
    }
    const frequency = props.requiredFrequency ?? Duration.days(1);
    const freqHours = frequency.toHours({ integral: false });
    let freq: { unit: string; value: number };
    if (freqHours <= 24 && Number.isInteger(freqHours)) {
      freq = { unit: 'hours', value: freqHours };
    } else if (Number.isInteger(freqHours / 24) && freqHours / 24 <= 31) {
      freq = { unit: 'days', value: freqHours / 24 };
    } else {
      problems.push(`requiredFrequency: must be 1–24 whole hours or 1–31 whole days, got ${frequency.toHumanString()}`);
      freq = { unit: 'days', value: 1 };
    }
    const minRetentionDays = props.minRetention.toDays({ integral: false });
    if (!Number.isInteger(minRetentionDays) || minRetentionDays < 1) {
      problems.push(`minRetention: must be whole days ≥ 1, got ${props.minRetention.toHumanString()}`);
    }
    if (props.crossRegions.length < 1 || props.crossRegions.length > 3) {
      problems.push(`crossRegions: 1 to 3 Regions, got ${JSON.stringify(props.crossRegions)}`);
    }
    const region = Stack.of(this).region;
    for (const r of props.crossRegions) {
      if (!Token.isUnresolved(r) && !Token.isUnresolved(region) && r === region) {
        problems.push(`crossRegions: "${r}" is this stack's own Region; name the DR Region`);
      }
    }
    if (problems.length) {
      throw new ConfigurationError(`BackupAuditFramework ${this.node.path}`, problems);
    }

    const param = (parameterName: string, parameterValue: string | number) => ({ parameterName, parameterValue: String(parameterValue) });
    const lockParams = [
      ...(props.vaultLockMinRetention ? [param('minRetentionDays', props.vaultLockMinRetention.toDays())] : []),
      ...(props.vaultLockMaxRetention ? [param('maxRetentionDays', props.vaultLockMaxRetention.toDays())] : []),
    ];
    const controls: backup.CfnFramework.FrameworkControlProperty[] = [
      { controlName: 'BACKUP_RECOVERY_POINT_ENCRYPTED', controlScope: scope_ },
      { controlName: 'BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED', controlScope: scope_ },
      { controlName: 'BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK', controlScope: scope_, controlInputParameters: lockParams.length ? lockParams : undefined },
      {
        controlName: 'BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK',
        controlInputParameters: [param('requiredFrequencyUnit', freq.unit), param('requiredFrequencyValue', freq.value), param('requiredRetentionDays', minRetentionDays)],
      },
      { controlName: 'BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK', controlScope: scope_, controlInputParameters: [param('requiredRetentionDays', minRetentionDays)] },
      { controlName: 'BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION', controlScope: scope_, controlInputParameters: [param('crossRegionList', props.crossRegions.join(','))] },
      { controlName: 'BACKUP_LAST_RECOVERY_POINT_CREATED', controlScope: scope_, controlInputParameters: [param('recoveryPointAgeUnit', age.unit), param('recoveryPointAgeValue', age.value)] },
    ];
    this.framework = new backup.CfnFramework(this, 'Framework', {
      frameworkName: props.frameworkName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '_', allowedSpecialCharacters: '_' }).replace(/^[^A-Za-z]+/, 'F'),
      frameworkDescription: 'Controls of cdk-database-dr: encrypted, undeletable, locked, frequent, retained, copied cross-Region, fresh within the RPO',
      frameworkControls: controls,
    });

    const prefix = props.reportPrefix ?? 'backup-audit';
    this.reportPlan = new backup.CfnReportPlan(this, 'ReportPlan', {
      // Both properties are untyped JSON in CloudFormation's schema: keys are written as
      // CloudFormation spells them.
      reportDeliveryChannel: { S3BucketName: props.reportBucket.bucketName, S3KeyPrefix: prefix, Formats: ['CSV', 'JSON'] },
      reportSetting: { ReportTemplate: 'CONTROL_COMPLIANCE_REPORT', FrameworkArns: [this.framework.attrFrameworkArn] },
    });
    // Audit Manager writes reports with its service-linked role; the bucket must let it.
    const stack = Stack.of(this);
    // The principal is matched by condition: naming the service-linked role as Principal would
    // fail deployment while that role does not exist yet (it is created with the first report plan).
    props.reportBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowBackupAuditReports',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['s3:PutObject'],
      resources: [props.reportBucket.arnForObjects(`${prefix}/*`)],
      conditions: {
        ArnEquals: { 'aws:PrincipalArn': stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'aws-service-role/reports.backup.amazonaws.com/AWSServiceRoleForBackupReports' }) },
        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' },
      },
    }));
  }
}
