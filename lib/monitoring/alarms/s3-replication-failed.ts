/** Alarm kind `s3-replication-failed`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `s3-replication-failed`: Objects of the backup bucket failed to replicate to the replica bucket in the DR Region. */
export const S3_REPLICATION_FAILED: AlarmKind = {
  id: 's3-replication-failed',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'Objects of the backup bucket failed to replicate to the replica bucket in the DR Region.',
  metric: 'AWS/S3 `OperationsFailedReplication` {SourceBucket, DestinationBucket, RuleId}',
  statistic: 'Sum, 5 min',
  defaultThreshold: '≥ 1 operation',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/s3-replication-failed.md',
};
