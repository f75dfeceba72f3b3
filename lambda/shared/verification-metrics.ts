/**
 * Verification metrics as CloudWatch Embedded Metric Format lines on stdout, shared by the
 * restore validator Lambda and the runner's restore drills. Lambda and the awslogs driver ship
 * stdout to CloudWatch Logs, which extracts the metrics: no PutMetricData permission needed.
 * Written raw to stdout (not console.log, whose Lambda prefix would break the JSON line).
 */
import { VERIFICATION_METRICS } from '../../lib/monitoring/metric-names';

export interface VerificationOutcome {
  readonly database: string;
  readonly passed: boolean;
  readonly durationSeconds: number;
  /** Restore start to a verified copy; only meaningful (and only emitted) when the copy passed. */
  readonly measuredRtoSeconds?: number;
  /** Now minus the restored recovery point's time. */
  readonly restoredDataAgeSeconds?: number;
  /** Extra non-metric properties on the line (restore job id, summary). */
  readonly properties?: Record<string, string | number>;
}

export type LineWriter = (line: string) => void;

export const stdoutWriter: LineWriter = (line) => { process.stdout.write(line + '\n'); };

export function verificationEmf(o: VerificationOutcome, timestamp = Date.now()): Record<string, unknown> {
  const m = VERIFICATION_METRICS;
  const values: Array<[string, number, string]> = [
    [m.success, o.passed ? 1 : 0, 'Count'],
    [m.failure, o.passed ? 0 : 1, 'Count'],
    [m.durationSeconds, round(o.durationSeconds), 'Seconds'],
  ];
  if (o.passed && o.measuredRtoSeconds !== undefined) values.push([m.measuredRtoSeconds, round(o.measuredRtoSeconds), 'Seconds']);
  if (o.restoredDataAgeSeconds !== undefined) values.push([m.restoredDataAgeSeconds, round(o.restoredDataAgeSeconds), 'Seconds']);
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{
        Namespace: m.namespace,
        Dimensions: [[m.dimensions.database]],
        Metrics: values.map(([name, , unit]) => ({ Name: name, Unit: unit })),
      }],
    },
    ...(o.properties ?? {}),
    [m.dimensions.database]: o.database,
  };
  for (const [name, value] of values) record[name] = value;
  return record;
}

export function emitVerificationMetrics(o: VerificationOutcome, write: LineWriter = stdoutWriter): void {
  write(JSON.stringify(verificationEmf(o)));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
