/** Alarm kind `runner-silent`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `runner-silent`: A scheduled runner job has not succeeded within its schedule's longest gap plus one hour. */
export const RUNNER_SILENT: AlarmKind = {
  id: 'runner-silent',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'A scheduled runner job has not succeeded within its schedule\'s longest gap plus one hour.',
  metric: 'CdkDatabaseDr/Runner `JobSuccess` {Database, Engine, Job}',
  statistic: 'Sum over the window (windows over 7 days: `SecondsSinceLastSuccess` from the measured-RPO Lambda)',
  defaultThreshold: '< 1 success in the window (the runner\'s backup interval + 1 h)',
  comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  docsPage: 'docs/alarms/runner-silent.md',
};
