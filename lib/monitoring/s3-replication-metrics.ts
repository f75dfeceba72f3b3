/**
 * S3 replication metrics (namespace AWS/S3), published per replication rule when replication
 * metrics (or Replication Time Control, which turns them on) are enabled on the rule.
 * Pure metric definitions.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html#s3-cloudwatch-replication-metrics
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** One S3 replication rule, as the replication metrics' dimensions name it. */
export interface S3ReplicationRule {
  /** Name of the bucket objects are replicated from. */
  readonly sourceBucketName: string;
  /** Name of the bucket objects are replicated to. */
  readonly destinationBucketName: string;
  /** The `Id` of the replication rule. */
  readonly ruleId: string;
}

/**
 * Factories for the S3 replication metrics of one rule. Latency and pending counts default to
 * the `Maximum` (their only valid statistic), failures to the `Sum`; all over 5 minutes.
 */
export class S3ReplicationMetrics {
  /** The S3 metric namespace. */
  public static readonly NAMESPACE = 'AWS/S3';
  /** Replication Time Control's objective: 99.99 % of objects replicated within 15 minutes. */
  public static readonly RTC_THRESHOLD = Duration.minutes(15);

  /** `ReplicationLatency`: seconds the destination is behind the source. */
  public static replicationLatency(rule: S3ReplicationRule, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return s3Metric('ReplicationLatency', rule, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `OperationsPendingReplication`: operations waiting to be replicated. */
  public static operationsPendingReplication(rule: S3ReplicationRule, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return s3Metric('OperationsPendingReplication', rule, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `BytesPendingReplication`: bytes waiting to be replicated. */
  public static bytesPendingReplication(rule: S3ReplicationRule, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return s3Metric('BytesPendingReplication', rule, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `OperationsFailedReplication`: operations that failed to replicate. */
  public static operationsFailedReplication(rule: S3ReplicationRule, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return s3Metric('OperationsFailedReplication', rule, cloudwatch.Stats.SUM, options);
  }

  private constructor() {}
}

function s3Metric(metricName: string, rule: S3ReplicationRule, statistic: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: S3ReplicationMetrics.NAMESPACE,
    metricName,
    statistic,
    period: Duration.minutes(5),
    ...options,
    dimensionsMap: {
      SourceBucket: rule.sourceBucketName,
      DestinationBucket: rule.destinationBucketName,
      RuleId: rule.ruleId,
      ...options.dimensionsMap,
    },
  });
}
