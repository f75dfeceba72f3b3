/**
 * The measured RPO the measured-RPO Lambda publishes (names from runtime/metrics/names.ts).
 * Pure metric definition.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { RECOVERY_METRICS } from '../../runtime/metrics/names';

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

  /**
   * `SecondsSinceLastSuccess` {Database, Check}: how long ago a success metric last counted, as
   * the measured-RPO Lambda dates it (for silence windows longer than an alarm can evaluate).
   * The `Maximum` over 5 minutes by default; "never within the lookback" reads as seconds since 1970.
   */
  public static secondsSinceLastSuccess(database: string, check: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: RECOVERY_METRICS.namespace,
      metricName: RECOVERY_METRICS.secondsSinceLastSuccess,
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(5),
      ...options,
      dimensionsMap: { [RECOVERY_METRICS.dimensions.database]: database, [RECOVERY_METRICS.dimensions.check]: check, ...options?.dimensionsMap },
    });
  }

  private constructor() {}
}
