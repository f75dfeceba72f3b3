/**
 * Verification metrics as CloudWatch Embedded Metric Format lines on stdout, shared by the
 * restore validator Lambda and the runner's restore drills. Lambda and the awslogs driver ship
 * stdout to CloudWatch Logs, which extracts the metrics: no PutMetricData permission needed.
 * Written raw to stdout (not console.log, whose Lambda prefix would break the JSON line).
 */
import { emfRecord, LineWriter, MetricValue, stdoutWriter } from './emf';
import { VERIFICATION_METRICS } from './names';

export interface VerificationOutcome {
  readonly database: string;
  readonly passed: boolean;
  readonly durationSeconds: number;
  /** Restore start to a verified copy; only meaningful (and only emitted) when the copy passed. */
  readonly measuredRtoSeconds?: number;
  /** Now minus the restored recovery point's time. */
  readonly restoredDataAgeSeconds?: number;
  /** Whether the measured RTO was within the objective (only when an objective was given). */
  readonly rtoObjectiveMet?: boolean;
  /** Whether the achieved recovery point was within the RPO objective (only when an objective was given). */
  readonly rpoObjectiveMet?: boolean;
  /** Extra non-metric properties on the line (restore job id, summary). */
  readonly properties?: Record<string, string | number>;
}

export function verificationEmf(o: VerificationOutcome, timestamp = Date.now()): Record<string, unknown> {
  const m = VERIFICATION_METRICS;
  const values: MetricValue[] = [
    { name: m.success, value: o.passed ? 1 : 0, unit: 'Count' },
    { name: m.failure, value: o.passed ? 0 : 1, unit: 'Count' },
    { name: m.durationSeconds, value: round(o.durationSeconds), unit: 'Seconds' },
  ];
  if (o.passed && o.measuredRtoSeconds !== undefined) values.push({ name: m.measuredRtoSeconds, value: round(o.measuredRtoSeconds), unit: 'Seconds' });
  if (o.restoredDataAgeSeconds !== undefined) values.push({ name: m.restoredDataAgeSeconds, value: round(o.restoredDataAgeSeconds), unit: 'Seconds' });
  if (o.rtoObjectiveMet !== undefined) values.push({ name: m.rtoObjectiveMet, value: o.rtoObjectiveMet ? 1 : 0, unit: 'Count' });
  if (o.rpoObjectiveMet !== undefined) values.push({ name: m.rpoObjectiveMet, value: o.rpoObjectiveMet ? 1 : 0, unit: 'Count' });
  return emfRecord(m.namespace, { [m.dimensions.database]: o.database }, values, o.properties ?? {}, timestamp);
}

export function emitVerificationMetrics(o: VerificationOutcome, write: LineWriter = stdoutWriter): void {
  write(JSON.stringify(verificationEmf(o)));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
