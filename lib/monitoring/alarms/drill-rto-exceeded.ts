/** Alarm kind `drill-rto-exceeded`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `drill-rto-exceeded`: A recovery drill (or restore test) produced a verified copy, but later than the database's RTO. */
export const DRILL_RTO_EXCEEDED: AlarmKind = {
  id: 'drill-rto-exceeded',
  severities: [AlarmSeverity.WARNING],
  meaning: 'A recovery drill (or restore test) produced a verified copy, but later than the database\'s RTO: a real recovery would miss the objective.',
  metric: 'CdkDatabaseDr/Verification `MeasuredRtoSeconds` {Database}',
  statistic: 'Maximum, 1 hour',
  defaultThreshold: '> the database\'s RTO (seconds)',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/drill-rto-exceeded.md',
};
