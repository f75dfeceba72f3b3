/** Alarm kind `no-successful-backup`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `no-successful-backup`: No AWS Backup job of the vault (and resource type) completed within the snapshot interval plus the start window: the dead man's switch. */
export const NO_SUCCESSFUL_BACKUP: AlarmKind = {
  id: 'no-successful-backup',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'No AWS Backup job of the vault (and resource type) completed within the snapshot interval plus the start window: the dead man\'s switch.',
  metric: 'AWS/Backup `NumberOfBackupJobsCompleted` {BackupVaultName, ResourceType}',
  statistic: 'Sum over the window (one period ≤ 1 h, else 1-hour periods, all empty)',
  defaultThreshold: '< 1 job in the window (the protection\'s snapshot interval + start window)',
  comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  docsPage: 'docs/alarms/no-successful-backup.md',
};
