/** Alarm kind `verification-missing`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `verification-missing`: No restore verification of the database (restore test or drill) succeeded within its window. */
export const VERIFICATION_MISSING: AlarmKind = {
  id: 'verification-missing',
  severities: [AlarmSeverity.WARNING],
  meaning: 'No restore verification of the database (restore test or drill) succeeded within its window.',
  metric: 'CdkDatabaseDr/Verification `VerificationSuccess` {Database}',
  statistic: 'Sum over the window (windows over 7 days: `SecondsSinceLastSuccess`)',
  defaultThreshold: '< 1 success within the verification\'s or drill\'s `maxTimeWithoutSuccess`',
  comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  docsPage: 'docs/alarms/verification-missing.md',
};
