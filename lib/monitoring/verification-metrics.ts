/**
 * Metrics of restore verification (the restore validator Lambda and the runner's restore
 * drills), names from runtime/metrics/names.ts, one dimension: Database. Pure metric definitions.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { VERIFICATION_METRICS } from '../../runtime/metrics/names';

/**
 * Factories for the verification metrics of one database. Counts default to the `Sum` over
 * 5 minutes, times to the `Maximum` over 5 minutes, objective verdicts to the `Minimum` (any miss shows as 0).
 */
export class VerificationMetrics {
  /** `VerificationSuccess`: 1 per restore that passed its checks. */
  public static success(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return verificationMetric(VERIFICATION_METRICS.success, database, cloudwatch.Stats.SUM, options);
  }

  /** `VerificationFailure`: 1 per restore that failed or failed its checks. */
  public static failure(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return verificationMetric(VERIFICATION_METRICS.failure, database, cloudwatch.Stats.SUM, options);
  }

  /** `VerificationDurationSeconds`: time the verification took. */
  public static duration(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return verificationMetric(VERIFICATION_METRICS.durationSeconds, database, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `MeasuredRtoSeconds`: restore start to a verified, usable copy. Compare with the RTO. */
  public static measuredRto(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return verificationMetric(VERIFICATION_METRICS.measuredRtoSeconds, database, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `RestoredDataAgeSeconds`: age of the newest data found in the restored copy. */
  public static restoredDataAge(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return verificationMetric(VERIFICATION_METRICS.restoredDataAgeSeconds, database, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `RtoObjectiveMet`: 1 per drill whose measured RTO was within the objective it was given, 0 per drill that missed it. */
  public static rtoObjectiveMet(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return verificationMetric(VERIFICATION_METRICS.rtoObjectiveMet, database, cloudwatch.Stats.MINIMUM, options);
  }

  /** `RpoObjectiveMet`: 1 per drill whose restored recovery point was within the RPO objective it was given, 0 otherwise. */
  public static rpoObjectiveMet(database: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return verificationMetric(VERIFICATION_METRICS.rpoObjectiveMet, database, cloudwatch.Stats.MINIMUM, options);
  }

  private constructor() {}
}

function verificationMetric(metricName: string, database: string, statistic: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: VERIFICATION_METRICS.namespace,
    metricName,
    statistic,
    period: Duration.minutes(5),
    ...options,
    dimensionsMap: { [VERIFICATION_METRICS.dimensions.database]: database, ...options.dimensionsMap },
  });
}
