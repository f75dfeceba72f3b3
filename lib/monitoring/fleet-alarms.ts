/**
 * FleetAlarms: one CloudWatch alarm per condition for a whole fleet of databases, instead of one
 * per database. Each is a Metrics Insights multi-time-series alarm (`SELECT ... GROUP BY
 * Database`): every database is a contributor with its own ALARM/OK state and its own SNS
 * notification, and a database added later joins the alarm as soon as its series exists. A
 * condition whose threshold differs per database (RPO, silence window) is judged on a percentage
 * the measured-RPO Lambda publishes (`MeasuredRpoPercentOfObjective`, `SilencePercentOfWindow`),
 * so one threshold fits all; the Lambda's own failure is a per-Lambda `monitor-stopped` alarm.
 *
 * Give one FleetAlarms to every BackupMonitoring of a Region (`fleetAlarms`): their databases'
 * per-database conditions (runner job failed and silent, measured RPO, verification failed and
 * missing, drill RTO) go to these alarms. The queries do not filter by database: one FleetAlarms
 * per account and Region watches every database publishing the library's metrics there.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { AlarmFactory } from './alarm-factory';
import { AlarmTopic } from './alarm-topic';
import { AlarmKind, AlarmSeverity } from './alarms/alarm-kind';
import { DRILL_RTO_EXCEEDED } from './alarms/drill-rto-exceeded';
import { MEASURED_RPO } from './alarms/measured-rpo';
import { RUNNER_JOB_FAILED } from './alarms/runner-job-failed';
import { RUNNER_SILENT } from './alarms/runner-silent';
import { VERIFICATION_FAILED } from './alarms/verification-failed';
import { VERIFICATION_MISSING } from './alarms/verification-missing';
import type { ObjectiveAlarmOptions } from './backup-monitoring';
import { DEFAULT_MEASURED_RPO_LEVELS, levelEntries } from './monitoring-model';
import { levelProblems } from './monitoring-validation';
import { ConfigurationError } from '../errors';
import { RECOVERY_METRICS, RUNNER_METRICS, VERIFICATION_METRICS } from '../../runtime/metrics/names';

/** Properties of FleetAlarms. */
export interface FleetAlarmsProps {
  /** The plan's name: prefixes alarm names (letters, digits, - and _). */
  readonly planName: string;
  /** The topic every alarm and every contributor notifies (ALARM and OK). */
  readonly alarmTopic: AlarmTopic;
  /**
   * The period of every fleet alarm except `drill-rto-exceeded` (1 hour, one data point per
   * drill). Every BackupMonitoring using these alarms must run its measured-RPO Lambda at least
   * once per period.
   * @default Duration.minutes(10)
   */
  readonly period?: Duration;
  /**
   * Measured-RPO alarm levels, as percentages of each database's RPO.
   * @default - Warning at 80 %, Critical at 100 % of the RPO
   */
  readonly measuredRpoAlarm?: ObjectiveAlarmOptions;
  /**
   * Whether alarm actions are enabled.
   * @default true
   */
  readonly actionsEnabled?: boolean;
  /**
   * Base of the docs links in descriptions: a kind links `<docsBaseUrl><kind>.md`.
   * @default - the page inside the package, `docs/alarms/<kind>.md`
   */
  readonly docsBaseUrl?: string;
}

const DEFAULT_PERIOD = Duration.minutes(10);
const SUBJECT = 'fleet';

/**
 * Multi-time-series alarms, one per condition, for the databases of every BackupMonitoring given
 * them: each database is a contributor with its own state and notification.
 */
export class FleetAlarms extends Construct {
  /** The factory the fleet alarms are created through (their descriptions list the databases). */
  public readonly alarmFactory: AlarmFactory;
  /** The period of the alarms (drill RTO excepted). */
  public readonly period: Duration;

  private readonly props: FleetAlarmsProps;

  constructor(scope: Construct, id: string, props: FleetAlarmsProps) {
    super(scope, id);
    this.props = props;
    this.period = props.period ?? DEFAULT_PERIOD;
    const problems: string[] = [];
    if (this.period.isUnresolved() || this.period.toSeconds() < 60 || this.period.toSeconds() % 60 !== 0 || this.period.toSeconds() > 3 * 3600) {
      problems.push(`period: a whole number of minutes between 1 minute and 3 hours (Metrics Insights alarms read the last 3 hours), got ${this.period.toHumanString()}`);
    }
    problems.push(...levelProblems('measuredRpoAlarm', props.measuredRpoAlarm));
    if (problems.length > 0) throw new ConfigurationError(`FleetAlarms ${this.node.path}`, problems);
    this.alarmFactory = new AlarmFactory(this, {
      alarmNamePrefix: props.planName, topic: props.alarmTopic.topic, actionsEnabled: props.actionsEnabled, docsBaseUrl: props.docsBaseUrl,
    });
  }

  /** @internal The measured-RPO levels alarmed on: [severity, percent] of the enabled ones. */
  public _measuredRpoLevels(): Array<[AlarmSeverity, number]> {
    return levelEntries(this.props.measuredRpoAlarm, DEFAULT_MEASURED_RPO_LEVELS);
  }

  /** @internal `runner-job-failed` of every runner job of the fleet. */
  public _runnerJobFailed(database: string): cloudwatch.Alarm {
    const r = RUNNER_METRICS;
    const d = r.dimensions;
    return this.alarm(RUNNER_JOB_FAILED, AlarmSeverity.CRITICAL, database, 'a runner job failed (each database, engine and job is a contributor)',
      `SELECT SUM(${r.failure}) FROM SCHEMA("${r.namespace}", ${d.database}, ${d.engine}, ${d.job}) GROUP BY ${d.database}, ${d.engine}, ${d.job}`,
      this.seriesOf(r.namespace, r.failure, 'Sum'), 1, 'jobs', cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
  }

  /** @internal `runner-silent`, judged on the Lambda's SilencePercentOfWindow of kind runner-silent. */
  public _runnerSilent(database: string): cloudwatch.Alarm {
    return this.silence(RUNNER_SILENT, AlarmSeverity.CRITICAL, database, 'a scheduled runner job has not succeeded within its window (each database and job is a contributor)');
  }

  /** @internal `verification-missing`, judged on SilencePercentOfWindow of kind verification-missing. */
  public _verificationMissing(database: string): cloudwatch.Alarm {
    return this.silence(VERIFICATION_MISSING, AlarmSeverity.WARNING, database, 'no restore verification of a database succeeded within its window (each database is a contributor)');
  }

  /** @internal `verification-failed` of every database. */
  public _verificationFailed(database: string): cloudwatch.Alarm {
    const v = VERIFICATION_METRICS;
    return this.alarm(VERIFICATION_FAILED, AlarmSeverity.CRITICAL, database, 'a restore verification failed: the backups of that database may not be restorable (each database is a contributor)',
      `SELECT SUM(${v.failure}) FROM SCHEMA("${v.namespace}", ${v.dimensions.database}) GROUP BY ${v.dimensions.database}`,
      this.seriesOf(v.namespace, v.failure, 'Sum'), 1, 'verifications', cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
  }

  /** @internal `drill-rto-exceeded`: a drill's RtoObjectiveMet was 0 (it took longer than the RTO it was given). */
  public _drillRtoExceeded(database: string): cloudwatch.Alarm {
    const v = VERIFICATION_METRICS;
    return this.alarm(DRILL_RTO_EXCEEDED, AlarmSeverity.WARNING, database, 'a recovery drill took longer than its database\'s RTO to a verified copy (each database is a contributor)',
      `SELECT MIN(${v.rtoObjectiveMet}) FROM SCHEMA("${v.namespace}", ${v.dimensions.database}) GROUP BY ${v.dimensions.database}`,
      // One data point per drill: an hour-long period keeps the miss visible after the drill ends.
      this.seriesOf(v.namespace, v.rtoObjectiveMet, 'Minimum', Duration.hours(1)), 1, 'objective met (1) or missed (0)', cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD);
  }

  /** @internal `measured-rpo` at one severity, judged on MeasuredRpoPercentOfObjective. */
  public _measuredRpo(database: string, severity: AlarmSeverity): cloudwatch.Alarm | undefined {
    const level = this._measuredRpoLevels().find(([s]) => s === severity);
    if (!level) return undefined;
    const m = RECOVERY_METRICS;
    return this.alarm(MEASURED_RPO, severity, database,
      `the newest recovery point of a database is older than ${level[1]} % of its RPO; no recovery point at all reads as far beyond it (each database is a contributor)`,
      `SELECT MAX(${m.measuredRpoPercentOfObjective}) FROM SCHEMA("${m.namespace}", ${m.dimensions.database}) GROUP BY ${m.dimensions.database}`,
      this.seriesOf(m.namespace, m.measuredRpoPercentOfObjective, 'Maximum'), level[1], '% of the RPO', cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD);
  }

  private silence(kind: AlarmKind, severity: AlarmSeverity, database: string, meaning: string): cloudwatch.Alarm {
    const m = RECOVERY_METRICS;
    const d = m.dimensions;
    return this.alarm(kind, severity, database, meaning,
      `SELECT MAX(${m.silencePercentOfWindow}) FROM SCHEMA("${m.namespace}", ${d.database}, ${d.check}, ${d.kind}) WHERE ${d.kind} = '${kind.id}' GROUP BY ${d.database}, ${d.check}`,
      this.seriesOf(m.namespace, m.silencePercentOfWindow, 'Maximum'), 100, '% of the window', cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
  }

  private seriesOf(namespace: string, metricName: string, statistic: string, period = this.period): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace, metricName, statistic, period });
  }

  private alarm(kind: AlarmKind, severity: AlarmSeverity, database: string, meaning: string, query: string, series: cloudwatch.Metric,
    threshold: number, unit: string, comparison: cloudwatch.ComparisonOperator): cloudwatch.Alarm {
    // A series that does not exist has no contributor: nothing to page about (the measured-RPO
    // Lambda's own silence is its monitor-stopped alarm).
    return this.alarmFactory.createAlarm({
      kind, subject: SUBJECT, severity, databases: [database], meaning, metric: series, expression: query,
      threshold, thresholdUnit: unit, comparison, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
