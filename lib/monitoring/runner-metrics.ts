/**
 * Metrics the runner CLI publishes as Embedded Metric Format lines (namespace and names from
 * runtime/metrics/names.ts). Every runner metric carries the three dimensions Database, Engine and Job,
 * so a metric here names all three: CloudWatch matches dimension sets exactly.
 * Pure metric definitions.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { RUNNER_METRICS } from '../../runtime/metrics/names';

/** Which runner job a metric is about. */
export interface RunnerJob {
  /** The database name the runner was given (`--database`). */
  readonly database: string;
  /** The engine name (`--engine`), e.g. `pg-dump`, `pgbackrest`, `mariabackup`. */
  readonly engine: string;
  /**
   * The runner command: `backup`, `restore`, `verify`, `expire`, `check` or `info`.
   * @default 'backup'
   */
  readonly job?: string;
}

/**
 * Factories for the runner's metrics. Counts default to the `Sum` over 5 minutes, durations and
 * sizes to the `Maximum` over 5 minutes.
 */
export class RunnerMetrics {
  /** `JobSuccess`: 1 per successful job. */
  public static jobSuccess(job: RunnerJob, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return runnerMetric(RUNNER_METRICS.success, job, cloudwatch.Stats.SUM, options);
  }

  /** `JobFailure`: 1 per failed job. */
  public static jobFailure(job: RunnerJob, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return runnerMetric(RUNNER_METRICS.failure, job, cloudwatch.Stats.SUM, options);
  }

  /** `JobDurationSeconds`: wall-clock time of a job. */
  public static jobDuration(job: RunnerJob, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return runnerMetric(RUNNER_METRICS.durationSeconds, job, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `BytesRaw`: bytes read from the database. */
  public static bytesRaw(job: RunnerJob, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return runnerMetric(RUNNER_METRICS.bytesRaw, job, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `BytesStored`: bytes written to storage after compression. */
  public static bytesStored(job: RunnerJob, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return runnerMetric(RUNNER_METRICS.bytesStored, job, cloudwatch.Stats.MAXIMUM, options);
  }

  /** `ThroughputBytesPerSecond` of successful jobs. */
  public static throughput(job: RunnerJob, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return runnerMetric(RUNNER_METRICS.throughputBytesPerSecond, job, cloudwatch.Stats.AVERAGE, options);
  }

  /** `LastSuccessEpochSeconds`: Unix time of the last successful job (emitted on success only). */
  public static lastSuccessEpochSeconds(job: RunnerJob, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return runnerMetric(RUNNER_METRICS.lastSuccessEpochSeconds, job, cloudwatch.Stats.MAXIMUM, options);
  }

  private constructor() {}
}

function runnerMetric(metricName: string, job: RunnerJob, statistic: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  const d = RUNNER_METRICS.dimensions;
  return new cloudwatch.Metric({
    namespace: RUNNER_METRICS.namespace,
    metricName,
    statistic,
    period: Duration.minutes(5),
    ...options,
    dimensionsMap: { [d.database]: job.database, [d.engine]: job.engine, [d.job]: job.job ?? 'backup', ...options.dimensionsMap },
  });
}
