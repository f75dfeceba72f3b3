/** Alarm kind `baseline-capture-failed`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `baseline-capture-failed`: Baseline capture from production failed: restore tests and drills compare with a stale or missing baseline. */
export const BASELINE_CAPTURE_FAILED: AlarmKind = {
  id: 'baseline-capture-failed',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'Baseline capture from production failed: restore tests and drills compare with a stale or missing baseline.',
  metric: 'AWS/Lambda `Errors` {FunctionName of the capture}',
  statistic: 'Sum, 1 h',
  defaultThreshold: '≥ 1 error',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/baseline-capture-failed.md',
};
