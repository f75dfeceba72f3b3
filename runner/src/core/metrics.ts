/**
 * CloudWatch Embedded Metric Format (EMF) lines on stdout. The awslogs driver ships stdout to
 * CloudWatch Logs, which extracts the metrics: no PutMetricData permission or SDK call needed.
 * Records are built by runtime/metrics/emf.ts; names come from runtime/metrics/names.ts, the contract with the alarms.
 */
import { emfRecord, MetricValue } from '../../../runtime/metrics/emf';
import { RUNNER_METRICS } from '../../../runtime/metrics/names';

import { LineSink, stdoutSink } from './logger';

export interface JobDimensions {
  readonly database: string;
  readonly engine: string;
  /** The command: backup, restore, verify, expire, check or info. */
  readonly job: string;
}

export interface JobOutcome {
  readonly success: boolean;
  readonly durationSeconds: number;
  readonly bytesRaw?: number;
  readonly bytesStored?: number;
  /** Extra properties on the line (not metrics): exit code, backup id, error message. */
  readonly properties?: Record<string, string | number>;
}

export class Metrics {
  constructor(private readonly dims: JobDimensions, private readonly sink: LineSink = stdoutSink,
    private readonly redact: (s: string) => string = (s) => s) {}

  /** Emits arbitrary runner metrics with the job's dimensions. */
  put(values: MetricValue[], properties: Record<string, string | number> = {}): void {
    const d = RUNNER_METRICS.dimensions;
    const dims = { [d.database]: this.dims.database, [d.engine]: this.dims.engine, [d.job]: this.dims.job };
    // Redact property values before encoding (JSON escaping could hide a secret with quotes) and the line after.
    const props: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(properties)) props[k] = typeof v === 'string' ? this.redact(v) : v;
    this.sink(this.redact(JSON.stringify(emfRecord(RUNNER_METRICS.namespace, dims, values, props))));
  }

  /** The end-of-job line: success/failure, duration, bytes, throughput and (on success) the last-success timestamp. */
  jobOutcome(o: JobOutcome): void {
    const m = RUNNER_METRICS;
    const values: MetricValue[] = [
      { name: m.success, value: o.success ? 1 : 0, unit: 'Count' },
      { name: m.failure, value: o.success ? 0 : 1, unit: 'Count' },
      { name: m.durationSeconds, value: round(o.durationSeconds), unit: 'Seconds' },
    ];
    if (o.bytesRaw !== undefined) values.push({ name: m.bytesRaw, value: o.bytesRaw, unit: 'Bytes' });
    if (o.bytesStored !== undefined) values.push({ name: m.bytesStored, value: o.bytesStored, unit: 'Bytes' });
    if (o.success && o.bytesRaw !== undefined && o.durationSeconds > 0) {
      values.push({ name: m.throughputBytesPerSecond, value: Math.round(o.bytesRaw / o.durationSeconds), unit: 'Bytes/Second' });
    }
    if (o.success) values.push({ name: m.lastSuccessEpochSeconds, value: Math.floor(Date.now() / 1000), unit: 'Seconds' });
    this.put(values, o.properties ?? {});
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
