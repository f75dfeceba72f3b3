/** Alarm kind `aurora-replica-lag`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `aurora-replica-lag`: The Aurora readers of the cluster lag the writer by more than a share of the RPO. */
export const AURORA_REPLICA_LAG: AlarmKind = {
  id: 'aurora-replica-lag',
  severities: [AlarmSeverity.WARNING, AlarmSeverity.CRITICAL],
  meaning: 'The Aurora readers of the cluster lag the writer by more than a share of the RPO.',
  metric: 'AWS/RDS `AuroraReplicaLag` {DBClusterIdentifier, Role=READER} (ms)',
  statistic: 'Maximum, 1 min, 3 of 3',
  defaultThreshold: '> 50 % (Warning) / > 100 % (Critical) of the RPO, in ms',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  docsPage: 'docs/alarms/aurora-replica-lag.md',
};
