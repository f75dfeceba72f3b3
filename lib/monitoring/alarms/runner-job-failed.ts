/** Alarm kind `runner-job-failed`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `runner-job-failed`: A scheduled runner job (backup, verify, expire or check) failed. */
export const RUNNER_JOB_FAILED: AlarmKind = {
  id: 'runner-job-failed',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'A scheduled runner job (backup, verify, expire or check) failed.',
  metric: 'CdkDatabaseDr/Runner `JobFailure` {Database, Engine, Job}',
  statistic: 'Sum, 5 min',
  defaultThreshold: '≥ 1 job',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/runner-job-failed.md',
};
