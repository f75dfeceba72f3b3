/** Alarm kind `measured-rpo`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `measured-rpo`: The newest recovery point of the database is older than a share of its RPO; no recovery point at all reads as seconds since 1970. */
export const MEASURED_RPO: AlarmKind = {
  id: 'measured-rpo',
  severities: [AlarmSeverity.WARNING, AlarmSeverity.CRITICAL],
  meaning: 'The newest recovery point of the database is older than a share of its RPO; no recovery point at all reads as seconds since 1970.',
  metric: 'CdkDatabaseDr/Recovery `MeasuredRpoSeconds` {Database}',
  statistic: 'Maximum, 2 × the measuring interval',
  defaultThreshold: '> 80 % (Warning) / > 100 % (Critical) of the RPO',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  docsPage: 'docs/alarms/measured-rpo.md',
};
