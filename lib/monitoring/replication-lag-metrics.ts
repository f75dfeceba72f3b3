/**
 * Replication lag metrics of RDS and Aurora (namespace AWS/RDS). Pure metric definitions.
 *
 * Units differ and matter for thresholds: `ReplicaLag` is in seconds, the three Aurora metrics
 * are in milliseconds. RDS publishes them every minute, so the factories default to the
 * `Maximum` over 1 minute. No `unit` is set on the metrics: CloudWatch would then ignore data
 * points published under another unit, and an alarm would see nothing.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** Options for an Aurora Global Database lag metric. */
export interface GlobalDatabaseLagMetricOptions extends cloudwatch.MetricOptions {
  /**
   * The Region of the primary cluster (adds the `SourceRegion` dimension), for secondaries that
   * publish the metric per source Region.
   * @default - only the `DBClusterIdentifier` dimension
   */
  readonly sourceRegion?: string;
}

/** Factories for the replication lag metrics of RDS read replicas and Aurora clusters. */
export class ReplicationLagMetrics {
  /** The RDS metric namespace (RDS and Aurora). */
  public static readonly NAMESPACE = 'AWS/RDS';

  /**
   * `ReplicaLag` of an RDS read replica, in **seconds**: how far the replica's data is behind
   * its source. Published on the replica instance.
   */
  public static rdsReplicaLag(replicaInstanceIdentifier: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return rdsMetric('ReplicaLag', { DBInstanceIdentifier: replicaInstanceIdentifier }, options);
  }

  /**
   * `AuroraReplicaLag` of the reader instances of an Aurora cluster, in **milliseconds**, as the
   * cluster publishes it per role (`DBClusterIdentifier` + `Role=READER`).
   */
  public static auroraReplicaLag(clusterIdentifier: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return rdsMetric('AuroraReplicaLag', { DBClusterIdentifier: clusterIdentifier, Role: 'READER' }, options);
  }

  /**
   * `AuroraGlobalDBReplicationLag` of an Aurora Global Database secondary cluster, in
   * **milliseconds**. Published in the secondary cluster's Region.
   */
  public static auroraGlobalDbReplicationLag(secondaryClusterIdentifier: string, options?: GlobalDatabaseLagMetricOptions): cloudwatch.Metric {
    return globalMetric('AuroraGlobalDBReplicationLag', secondaryClusterIdentifier, options);
  }

  /**
   * `AuroraGlobalDBRPOLag` of an Aurora Global Database secondary cluster, in **milliseconds**:
   * the data an unplanned failover to it would lose. Published in the secondary's Region.
   */
  public static auroraGlobalDbRpoLag(secondaryClusterIdentifier: string, options?: GlobalDatabaseLagMetricOptions): cloudwatch.Metric {
    return globalMetric('AuroraGlobalDBRPOLag', secondaryClusterIdentifier, options);
  }

  private constructor() {}
}

function rdsMetric(metricName: string, dims: Record<string, string>, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: ReplicationLagMetrics.NAMESPACE,
    metricName,
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.minutes(1),
    ...options,
    dimensionsMap: { ...dims, ...options.dimensionsMap },
  });
}

function globalMetric(metricName: string, clusterIdentifier: string, options: GlobalDatabaseLagMetricOptions = {}): cloudwatch.Metric {
  const { sourceRegion, ...metricOptions } = options;
  const dims: Record<string, string> = { DBClusterIdentifier: clusterIdentifier };
  if (sourceRegion) dims.SourceRegion = sourceRegion;
  return rdsMetric(metricName, dims, metricOptions);
}
