/**
 * The one alarm factory of the library: every alarm is created here, so naming, the alarm
 * action (the stack's one alarm topic, on ALARM and OK), the description (severity, kind,
 * meaning, how it is judged, the docs page) and the catalog's comparison and missing-data
 * defaults are applied uniformly. A second alarm on the same condition (metric, namespace,
 * dimensions, statistic, period, threshold, comparison) is not created: the first one is
 * returned and watches the new databases too.
 *
 * Typed methods, one per alarm kind, live in dr-alarms.ts; they spread the kind's defaults
 * first and the caller's overrides after.
 */
import { Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlarmKind, AlarmSeverity } from './alarms/alarm-kind';
import { renderAlarmDescription } from './alarms/render';

/** Properties of an AlarmFactory. */
export interface AlarmFactoryProps {
  /** Prefix of every alarm name (the plan's name: letters, digits, - and _). */
  readonly alarmNamePrefix: string;
  /** The topic every alarm notifies on ALARM and on OK. */
  readonly topic: sns.ITopic;
  /**
   * Whether alarm actions are enabled.
   * @default true
   */
  readonly actionsEnabled?: boolean;
  /**
   * Base of the docs links in descriptions: a kind links `<docsBaseUrl><kind>.md`.
   * @default 'docs/alarms/' - the page inside the cdk-database-dr package
   */
  readonly docsBaseUrl?: string;
}

/** Settings a caller may override on any alarm; each defaults to the kind's or the method's value. */
export interface AlarmOverrides {
  /**
   * The threshold, in the metric's unit.
   * @default - the typed method's threshold
   */
  readonly threshold?: number;
  /**
   * Evaluation periods.
   * @default - the typed method's value (1 for most kinds)
   */
  readonly evaluationPeriods?: number;
  /**
   * Data points that must breach within the evaluation periods.
   * @default - all evaluation periods
   */
  readonly datapointsToAlarm?: number;
  /**
   * How missing data is treated.
   * @default - the kind's treatment in the catalog
   */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
  /**
   * The comparison.
   * @default - the kind's comparison in the catalog
   */
  readonly comparison?: cloudwatch.ComparisonOperator;
}

/** One alarm to create through the factory. */
export interface DrAlarmProps extends AlarmOverrides {
  /** The alarm's kind, from the catalog. */
  readonly kind: AlarmKind;
  /** What the alarm watches, in its name (e.g. the database, or `<vault>-<resource type>`). */
  readonly subject: string;
  /** Warning or Critical. */
  readonly severity: AlarmSeverity;
  /** The databases it watches. */
  readonly databases: string[];
  /** What this alarm means when it fires, specific to its subject. */
  readonly meaning: string;
  /** The metric (its period is the alarm's period); with `expression`, the series the expression is about, for the description. */
  readonly metric: cloudwatch.Metric;
  /**
   * Alarm on this expression instead of `metric`, with `metric`'s period: a metric math
   * expression over `usingMetrics`, or a Metrics Insights query (`SELECT ... GROUP BY ...`), whose
   * every returned time series is a contributor with its own ALARM/OK state and notification.
   * @default - the alarm evaluates `metric`
   */
  readonly expression?: string;
  /**
   * The metrics a math `expression` refers to, by id.
   * @default - none
   */
  readonly usingMetrics?: { [id: string]: cloudwatch.Metric };
  /** The unit of the threshold, for the description (jobs, seconds, milliseconds...). */
  readonly thresholdUnit: string;
}

/** Where one database's runbooks are: named by the descriptions of the alarms that watch it. */
export interface RunbookLink {
  /** The database. */
  readonly database: string;
  /** Folder of its runbooks, relative to the cloud assembly directory (e.g. `runbooks/<plan>/<database>`). */
  readonly folder: string;
  /** The index of every database's runbooks, relative to the cloud assembly directory. */
  readonly index: string;
  /** Its SSM Automation documents, each as `<name> (<region>)`. */
  readonly documents: string[];
}

/** One alarm, for reports and for the docs. */
export interface AlarmDescription {
  /** The alarm's name. */
  readonly alarmName: string;
  /** The alarm's kind (its id in the catalog). */
  readonly kind: string;
  /** Warning or Critical. */
  readonly severity: AlarmSeverity;
  /** The databases it watches. */
  readonly databases: string[];
  /** What it means when it fires. */
  readonly meaning: string;
  /** `Namespace MetricName {dimensions}`. */
  readonly metric: string;
  /** The statistic. */
  readonly statistic: string;
  /** The comparison, e.g. GreaterThanThreshold. */
  readonly comparisonOperator: string;
  /** The threshold, in the metric's unit. */
  readonly threshold: number;
  /** The metric's unit, for reading the threshold. */
  readonly thresholdUnit: string;
  /** The period, in seconds. */
  readonly periodSeconds: number;
  /** Evaluation periods. */
  readonly evaluationPeriods: number;
  /** Data points that must breach within the evaluation periods. */
  readonly datapointsToAlarm: number;
  /** How missing data is treated. */
  readonly treatMissingData: string;
  /** The docs page with the first response. */
  readonly docsPage: string;
}

const COMPARISON_TEXT: Record<string, string> = {
  [cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD]: '>',
  [cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD]: '>=',
  [cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD]: '<',
  [cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD]: '<=',
};

/** Creates every alarm of a BackupMonitoring (or of your own code) the same way. */
export class AlarmFactory {
  /** Every alarm created (a deduplicated condition counts once). */
  public readonly alarms: cloudwatch.Alarm[] = [];

  private readonly descriptions: AlarmDescription[] = [];
  private readonly byCondition = new Map<string, { alarm: cloudwatch.Alarm; index: number }>();
  private readonly byDatabase = new Map<string, cloudwatch.Alarm[]>();
  private readonly action: cloudwatch.IAlarmAction;
  private readonly runbooks = new Map<string, RunbookLink>();

  /**
   * @param scope the construct the alarms are created in
   * @param props naming, topic and docs links
   */
  constructor(private readonly scope: Construct, private readonly props: AlarmFactoryProps) {
    this.action = new cwActions.SnsAction(props.topic);
  }

  /** The topic every alarm notifies. */
  public get topic(): sns.ITopic {
    return this.props.topic;
  }

  /** Creates one alarm: the kind's defaults first, then the caller's values. */
  public createAlarm(props: DrAlarmProps): cloudwatch.Alarm {
    const spec = {
      comparison: props.kind.comparison,
      treatMissingData: props.kind.treatMissingData,
      evaluationPeriods: 1,
      ...definedOnly(props),
    };
    const threshold = spec.threshold ?? 1;
    const datapointsToAlarm = spec.datapointsToAlarm ?? spec.evaluationPeriods;
    const condition = this.conditionKey(props.metric, threshold, spec.comparison) + (props.expression ? `|${props.expression}` : '');
    const existing = this.byCondition.get(condition);
    if (existing) {
      // One alarm per condition: the existing alarm watches these databases too.
      const d = this.descriptions[existing.index];
      const databases = [...d.databases, ...props.databases.filter((db) => !d.databases.includes(db))];
      this.descriptions[existing.index] = { ...d, databases };
      for (const db of props.databases) this.remember(db, existing.alarm);
      return existing.alarm;
    }

    const severityTag = props.severity.toLowerCase();
    const alarmName = `${this.props.alarmNamePrefix}-${props.subject}-${props.kind.id}-${severityTag}`;
    const docsPage = this.props.docsBaseUrl ? `${this.props.docsBaseUrl}${props.kind.id}.md` : props.kind.docsPage;
    const periodSeconds = props.metric.period.toSeconds();
    const subjectOfCondition = props.expression ? `[${props.expression}]` : `${props.metric.metricName} (${props.metric.statistic})`;
    const firesWhen = `Fires when ${subjectOfCondition} ${COMPARISON_TEXT[spec.comparison] ?? spec.comparison} ${threshold} ${props.thresholdUnit}`
      + ` in ${datapointsToAlarm} of ${spec.evaluationPeriods} period(s) of ${periodSeconds} s; missing data: ${spec.treatMissingData}.`;
    const index = this.descriptions.length;
    // Rendered at synthesis: the databases a deduplicated alarm watches and the runbooks linked later are known then.
    const describe = () => {
      const databases = this.descriptions[index].databases;
      return renderAlarmDescription({
        severity: props.severity, kindId: props.kind.id, meaning: props.meaning, databases, condition: firesWhen, docsPage,
        runbooks: databases.flatMap((db) => (this.runbooks.has(db) ? [this.runbooks.get(db)!] : [])),
      });
    };
    const alarm = new cloudwatch.Alarm(this.scope, `${props.subject}-${props.kind.id}-${severityTag}`.replace(/[^A-Za-z0-9-]/g, '_'), {
      alarmName,
      alarmDescription: Lazy.string({ produce: describe }),
      metric: props.expression
        ? new cloudwatch.MathExpression({ expression: props.expression, usingMetrics: props.usingMetrics ?? {}, period: props.metric.period, label: props.kind.id })
        : props.metric,
      threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
      actionsEnabled: this.props.actionsEnabled ?? true,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    for (const db of props.databases) this.remember(db, alarm);
    const dims = Object.entries(props.metric.dimensions ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    this.descriptions.push({
      alarmName, kind: props.kind.id, severity: props.severity, databases: [...props.databases], meaning: props.meaning,
      metric: props.expression ?? `${props.metric.namespace} ${props.metric.metricName} {${dims}}`, statistic: props.metric.statistic,
      comparisonOperator: spec.comparison, threshold, thresholdUnit: props.thresholdUnit,
      periodSeconds, evaluationPeriods: spec.evaluationPeriods, datapointsToAlarm,
      treatMissingData: spec.treatMissingData, docsPage,
    });
    this.byCondition.set(condition, { alarm, index: this.descriptions.length - 1 });
    return alarm;
  }

  /**
   * Names a database's runbooks in the description of every alarm that watches it (alarms
   * created before and after this call alike: descriptions are rendered at synthesis).
   */
  public linkRunbook(link: RunbookLink): void {
    this.runbooks.set(link.database, link);
  }

  /** Name, metric, threshold, period, missing-data treatment and docs page of every alarm. */
  public describeAlarms(): AlarmDescription[] {
    return this.descriptions.map((d) => ({ ...d, databases: [...d.databases] }));
  }

  /** The alarms that watch one database. */
  public alarmsFor(database: string): cloudwatch.Alarm[] {
    return [...(this.byDatabase.get(database) ?? [])];
  }

  private remember(database: string, alarm: cloudwatch.Alarm): void {
    const list = this.byDatabase.get(database) ?? [];
    if (!list.includes(alarm)) list.push(alarm);
    this.byDatabase.set(database, list);
  }

  /** What makes two alarms the same condition; tokens (generated names) compare by their resolved form. */
  private conditionKey(metric: cloudwatch.Metric, threshold: number, comparison: string): string {
    const dims = Object.entries(metric.dimensions ?? {}).sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, Token.isUnresolved(v) ? Stack.of(this.scope).resolve(v) : v]);
    return JSON.stringify([metric.namespace, metric.metricName, dims, metric.statistic, metric.period.toSeconds(), threshold, comparison]);
  }
}

/** The props without undefined values, so spreading them keeps the defaults they do not set. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
