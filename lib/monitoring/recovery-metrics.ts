/**
 * The measured RPO the measured-RPO Lambda publishes (names from metric-names.ts).
 * Pure metric definition.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { RECOVERY_METRICS } from './metric-names';

/** Factories for the recovery metrics of one database. */
export class RecoveryMetrics {
  /**
   * `MeasuredRpoSeconds`: age of the newest recovery point the database could be restored from,
   * the `Maximum` over 5 minutes by default. "No recovery point at all" is published as a value
   * larger than any objective (seconds since the Unix epoch), never as zero.
   */
  public static measuredRpo(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: RECOVERY_METRICS.namespace,
      metricName: RECOVERY_METRICS.measuredRpoSeconds,
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(5),
      ...options,
      dimensionsMap: { [RECOVERY_METRICS.dimensions.database]: database, ...options?.dimensionsMap },
    });
  }

  private constructor() {}
}
