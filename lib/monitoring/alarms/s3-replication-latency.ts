/** Alarm kind `s3-replication-latency`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `s3-replication-latency`: The replica bucket is further behind the backup bucket than Replication Time Control promises. */
export const S3_REPLICATION_LATENCY: AlarmKind = {
  id: 's3-replication-latency',
  severities: [AlarmSeverity.WARNING],
  meaning: 'The replica bucket is further behind the backup bucket than Replication Time Control promises.',
  metric: 'AWS/S3 `ReplicationLatency` {SourceBucket, DestinationBucket, RuleId}',
  statistic: 'Maximum, 5 min',
  defaultThreshold: '> 900 s (15 minutes, Replication Time Control)',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.IGNORE,
  docsPage: 'docs/alarms/s3-replication-latency.md',
};
