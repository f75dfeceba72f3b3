/** Alarm kind `monitor-stopped`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `monitor-stopped`: The measured-RPO Lambda failed or did not run: the fleet alarms that judge its series see nothing. */
export const MONITOR_STOPPED: AlarmKind = {
  id: 'monitor-stopped',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'The measured-RPO Lambda failed or did not run: the fleet alarms on measured RPO and silence, which judge the series it publishes, see nothing.',
  metric: 'AWS/Lambda `Errors` and `Invocations` {FunctionName of the measured-RPO Lambda}, as one math expression',
  statistic: 'Sum over the fleet period (10 min by default)',
  defaultThreshold: '≥ 1: an error, or no invocation, in the period',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  docsPage: 'docs/alarms/monitor-stopped.md',
};
