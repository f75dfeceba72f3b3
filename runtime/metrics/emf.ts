/**
 * CloudWatch Embedded Metric Format (EMF): one JSON line per record on stdout. CloudWatch Logs
 * (the awslogs driver of the runner task, a Lambda function's log group) extracts the metrics, so
 * no PutMetricData permission or SDK call is needed. The one EMF writer of the runner and the
 * handlers; metric names come from ./names.
 */

export type MetricUnit = 'Count' | 'Seconds' | 'Bytes' | 'Bytes/Second' | 'None';

export interface MetricValue {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnit;
}

/** Writes one line (without its newline). */
export type LineWriter = (line: string) => void;

/** Raw stdout: console.log's Lambda prefix would break the JSON line. */
export const stdoutWriter: LineWriter = (line) => { process.stdout.write(line + '\n'); };

/**
 * One EMF record: every dimension in one dimension set, every value a metric; `properties` are
 * searchable log fields that are not metrics (exit code, backup id, message).
 */
export function emfRecord(namespace: string, dims: Record<string, string>, values: readonly MetricValue[],
  properties: Record<string, string | number> = {}, timestamp = Date.now()): Record<string, unknown> {
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{
        Namespace: namespace,
        Dimensions: [Object.keys(dims)],
        Metrics: values.map((v) => ({ Name: v.name, Unit: v.unit })),
      }],
    },
    ...properties,
    ...dims,
  };
  for (const v of values) record[v.name] = v.value;
  return record;
}
