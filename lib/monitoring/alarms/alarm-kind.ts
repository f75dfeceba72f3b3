/**
 * The shape of one alarm kind of the catalog: what it means, how it is judged by default and
 * where its first response is written. One file per kind in this folder; the registry is index.ts.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** How urgent an alarm is. Both go to the same topic; the severity is in the name and description. */
export enum AlarmSeverity {
  /** Act within the working day: the objective is at risk. */
  WARNING = 'Warning',
  /** Act now: the objective is missed or a backup failed. */
  CRITICAL = 'Critical',
}

/** One alarm kind: a condition the library alarms on, with its defaults and its docs page. */
export interface AlarmKind {
  /** Stable id, part of alarm names and of the docs page name (e.g. `runner-silent`). */
  readonly id: string;
  /** The severities the kind is raised at (objective-derived kinds have both). */
  readonly severities: AlarmSeverity[];
  /** What it means when it fires, in one sentence. */
  readonly meaning: string;
  /** The metric, as `Namespace MetricName {dimensions}`. */
  readonly metric: string;
  /** Statistic and period. */
  readonly statistic: string;
  /** The default threshold, in words (it may be derived from an objective). */
  readonly defaultThreshold: string;
  /** How the alarm compares the metric with the threshold. */
  readonly comparison: cloudwatch.ComparisonOperator;
  /** How missing data is treated: breaching for every "nothing happened" kind. */
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** The page with the first response, a path inside this package: `docs/alarms/<id>.md`. */
  readonly docsPage: string;
}
