/** Alarm kind `validator-failed`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `validator-failed`: The restore validator Lambda failed: AWS Backup got no verdict for a restore test. */
export const VALIDATOR_FAILED: AlarmKind = {
  id: 'validator-failed',
  severities: [AlarmSeverity.CRITICAL],
  meaning: 'The restore validator Lambda failed: AWS Backup got no verdict for a restore test.',
  metric: 'AWS/Lambda `Errors` {FunctionName of the validator}',
  statistic: 'Sum, 1 h',
  defaultThreshold: '≥ 1 error',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  docsPage: 'docs/alarms/validator-failed.md',
};
