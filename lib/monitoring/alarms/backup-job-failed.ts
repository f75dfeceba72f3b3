/** Alarm kind `backup-job-failed`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `backup-job-failed`: An AWS Backup job of the vault (and resource type) failed. */
export const BACKUP_JOB_FAILED: AlarmKind = {
  id: 'backup-job-failed',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'An AWS Backup job of the vault (and resource type) failed.',
  metric: 'AWS/Backup `NumberOfBackupJobsFailed` {BackupVaultName, ResourceType}',
  statistic: 'Sum, 5 min',
  defaultThreshold: '≥ 1 job',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/backup-job-failed.md',
};
