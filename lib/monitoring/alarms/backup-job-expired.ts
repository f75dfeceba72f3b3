/** Alarm kind `backup-job-expired`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `backup-job-expired`: An AWS Backup job could not start within its start window and was cancelled. */
export const BACKUP_JOB_EXPIRED: AlarmKind = {
  id: 'backup-job-expired',
  severities: [AlarmSeverity.WARNING],
  meaning: 'An AWS Backup job could not start within its start window and was cancelled.',
  metric: 'AWS/Backup `NumberOfBackupJobsExpired` {BackupVaultName, ResourceType}',
  statistic: 'Sum, 5 min',
  defaultThreshold: '≥ 1 job',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/backup-job-expired.md',
};
