/** Alarm kind `verification-failed`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `verification-failed`: A restore verification of the database (AWS Backup restore test or runner drill) failed: its backups may not be restorable. */
export const VERIFICATION_FAILED: AlarmKind = {
  id: 'verification-failed',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'A restore verification of the database (AWS Backup restore test or runner drill) failed: its backups may not be restorable.',
  metric: 'CdkDatabaseDr/Verification `VerificationFailure` {Database}',
  statistic: 'Sum, 5 min',
  defaultThreshold: '≥ 1 verification',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/verification-failed.md',
};
