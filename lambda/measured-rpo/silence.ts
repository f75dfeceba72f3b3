/**
 * "When did this success metric last count?" — the Lambda as a clock for silence windows longer
 * than the 7 days a CloudWatch alarm can evaluate (a weekly restore verification with a day of
 * slack). The newest period whose Sum is above zero dates the last success.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SilenceCheckConfig } from '../../runtime/contracts/measured-rpo';

export interface SilenceResult {
  readonly check: string;
  readonly status: 'ok' | 'none' | 'error';
  /** Start of the newest period with a success (the success happened within that period). */
  readonly lastSuccess?: Date;
  readonly error?: string;
}

/** GetMetricData only serves 5-minute periods beyond 15 days back, and 1-hour ones beyond 63. */
function periodFor(lookbackSeconds: number): number {
  if (lookbackSeconds > 63 * 86400) return 3600;
  return 300;
}

export async function lastSuccess(check: SilenceCheckConfig, client: CloudWatchClient, nowMs: number): Promise<SilenceResult> {
  try {
    const period = periodFor(check.lookbackSeconds);
    let token: string | undefined;
    do {
      const r = await client.send(new GetMetricDataCommand({
        StartTime: new Date(nowMs - check.lookbackSeconds * 1000),
        EndTime: new Date(nowMs),
        ScanBy: 'TimestampDescending',
        NextToken: token,
        MetricDataQueries: [{
          Id: 'success',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: check.namespace,
              MetricName: check.metricName,
              Dimensions: Object.entries(check.dimensions).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: period,
            Stat: 'Sum',
          },
        }],
      }));
      const series = r.MetricDataResults?.find((m) => m.Id === 'success');
      const timestamps = series?.Timestamps ?? [];
      const values = series?.Values ?? [];
      let newest: Date | undefined;
      for (let i = 0; i < timestamps.length; i++) {
        if ((values[i] ?? 0) > 0 && (!newest || timestamps[i].getTime() > newest.getTime())) newest = timestamps[i];
      }
      if (newest) return { check: check.check, status: 'ok', lastSuccess: newest };
      token = r.NextToken;
    } while (token);
    return { check: check.check, status: 'none' };
  } catch (e) {
    const err = e as Error;
    return { check: check.check, status: 'error', error: `${err.name}: ${err.message}` };
  }
}
