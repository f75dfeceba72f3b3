/** Alarm kind `replica-lag`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `replica-lag`: An RDS read replica lags its source by more than a share of the RPO: a failover to it would lose that much. */
export const REPLICA_LAG: AlarmKind = {
  id: 'replica-lag',
  severities: [AlarmSeverity.WARNING, AlarmSeverity.CRITICAL],
  meaning: 'An RDS read replica lags its source by more than a share of the RPO: a failover to it would lose that much.',
  metric: 'AWS/RDS `ReplicaLag` {DBInstanceIdentifier} (seconds)',
  statistic: 'Maximum, 1 min, 3 of 3',
  defaultThreshold: '> 50 % (Warning) / > 100 % (Critical) of the RPO',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  docsPage: 'docs/alarms/replica-lag.md',
};
