/** Alarm kind `global-rpo-lag`. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind, AlarmSeverity } from './alarm-kind';

/** `global-rpo-lag`: The Aurora Global Database secondary would lose more than a share of the RPO in an unplanned failover. */
export const GLOBAL_RPO_LAG: AlarmKind = {
  id: 'global-rpo-lag',
  severities: [AlarmSeverity.WARNING, AlarmSeverity.CRITICAL],
  meaning: 'The Aurora Global Database secondary would lose more than a share of the RPO in an unplanned failover.',
  metric: 'AWS/RDS `AuroraGlobalDBRPOLag` {DBClusterIdentifier, SourceRegion} (ms)',
  statistic: 'Maximum, 1 min, 3 of 3',
  defaultThreshold: '> 50 % (Warning) / > 100 % (Critical) of the RPO, in ms',
  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  docsPage: 'docs/alarms/global-rpo-lag.md',
};
