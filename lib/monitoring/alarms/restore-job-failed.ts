/** Alarm kind `restore-job-failed`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `restore-job-failed`: A restore job (an AWS Backup restore test) of the vault failed. */
export const RESTORE_JOB_FAILED: AlarmKind = {
  id: 'restore-job-failed',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'A restore job (an AWS Backup restore test) of the vault failed.',
  metric: 'AWS/Backup `NumberOfRestoreJobsFailed` {BackupVaultName, ResourceType}',
  statistic: 'Sum, 5 min',
  defaultThreshold: '≥ 1 job',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/restore-job-failed.md',
};
