/** Alarm kind `copy-job-failed`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `copy-job-failed`: A copy of a recovery point to the DR (or cross-account) vault failed. */
export const COPY_JOB_FAILED: AlarmKind = {
  id: 'copy-job-failed',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'A copy of a recovery point to the DR (or cross-account) vault failed.',
  metric: 'AWS/Backup `NumberOfCopyJobsFailed` {BackupVaultName, ResourceType}',
  statistic: 'Sum, 5 min',
  defaultThreshold: '≥ 1 job',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/copy-job-failed.md',
};
