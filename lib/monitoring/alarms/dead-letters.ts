/** Alarm kind `dead-letters`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `dead-letters`: Events for a verification Lambda failed every retry and wait in its dead-letter queue. */
export const DEAD_LETTERS: AlarmKind = {
  id: 'dead-letters',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'Events for a verification Lambda failed every retry and wait in its dead-letter queue.',
  metric: 'AWS/SQS `ApproximateNumberOfMessagesVisible` {QueueName}',
  statistic: 'Maximum, 5 min',
  defaultThreshold: '≥ 1 message',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/dead-letters.md',
};
