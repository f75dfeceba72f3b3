/**
 * BackupMonitoring: the alarms and the dashboard of a backup plan, composed from the constructs
 * that protect it (the aws-backup `BackupPlan` shape: props are looped through add-methods, and
 * what cannot be right is refused at synth, every problem at once). Silence is not success:
 * every "nothing happened" is an alarm with missing data treated as breaching.
 *
 * Each add-method takes a construct and derives what it knows (RPO, vaults, resource type,
 * identifiers, snapshot interval, copy vaults, runner engine, jobs, prefixes, replica bucket), so
 * monitoring never asks for a value twice. The alarms, the measured-RPO Lambda and the dashboard
 * are built once, before synthesis, from everything added. Every alarm goes through the one
 * AlarmFactory to the stack's AlarmTopic. Kinds, thresholds and docs: lib/monitoring/README.md.
 */
import { AspectPriority, Aspects, Duration, IAspect } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { AlarmDescription, AlarmFactory } from './alarm-factory';
import { AlarmTopic } from './alarm-topic';
import { MONITOR_STOPPED } from './alarms/monitor-stopped';
import { AlarmSeverity } from './alarms/alarm-kind';
import { DrAlarms } from './dr-alarms';
import { FleetAlarms } from './fleet-alarms';
import { MeasuredRpo } from './measured-rpo';
import { buildMonitoringDashboard } from './monitoring-dashboard';
import { buildMonitoringAlarms, measuredRpoDatabases, replicationsOf } from './monitoring-alarms';
import {
  DEFAULT_MEASURED_RPO_LEVELS, DatabaseModel, DatabaseObjectives, LevelOptions, MonitoringModel, ProtectionEntry, ProtectionMonitoringOptions, RunnerEntry,
  RunnerMonitoringOptions, VerificationEntry, hasMeasuredSource, levelEntries,
} from './monitoring-model';
import { monitoringProblems } from './monitoring-validation';
import { RecoveryMetrics } from './recovery-metrics';
import { ConfigurationError } from '../errors';
import { guardStackLimits } from '../stack-limits';
import { DatabaseProtection } from '../protection/database-protection';
import { IBackupRunner } from '../runner/backup-runner';
import { IBackupBucket } from '../storage/backup-bucket';
import { BaselineCapture } from '../verification/baseline-capture';
import { RestoreVerification } from '../verification/restore-verification';
import { RunnerDrill } from '../verification/runner-drill';

export type { DatabaseObjectives, ProtectionMonitoringOptions, RunnerMonitoringOptions } from './monitoring-model';

/**
 * Which alarms a BackupMonitoring builds: all of them, or one part when the databases of a plan
 * are spread over several stacks (the DR app's database stacks each watch their databases; the
 * base stack watches the series they share, once).
 */
export enum MonitoringCoverage {
  /** The shared series and every database's own alarms, the measured-RPO Lambda and the dashboard. */
  ALL = 'all',
  /**
   * Only the series many databases share: AWS Backup jobs per vault and resource type, and the
   * backup bucket's replication. No per-database alarm, Lambda or dashboard; the per-database
   * checks are left to the monitoring that covers DATABASES.
   */
  SHARED_SERIES = 'shared-series',
  /** Only each database's own alarms, the verification functions' alarms, the measured-RPO Lambda and the dashboard. */
  DATABASES = 'databases',
}

/** One severity level of an alarm whose threshold is a share of an objective (RPO). */
export interface ObjectiveAlarmLevel {
  /** The threshold, as a percentage of the objective (100 = the objective itself). */
  readonly percentOfObjective: number;
  /**
   * Whether to create this level's alarm.
   * @default true
   */
  readonly enabled?: boolean;
}

/** Warning and Critical levels of an objective-derived alarm. */
export interface ObjectiveAlarmOptions {
  /**
   * The Warning level.
   * @default - see the alarm's documentation
   */
  readonly warning?: ObjectiveAlarmLevel;
  /**
   * The Critical level.
   * @default - see the alarm's documentation
   */
  readonly critical?: ObjectiveAlarmLevel;
}

/** A protection to monitor, and the database it covers. */
export interface MonitoredProtection extends ProtectionMonitoringOptions {
  /** The protection. */
  readonly protection: DatabaseProtection;
}

/** A runner to monitor. */
export interface MonitoredRunner extends RunnerMonitoringOptions {
  /** The runner (its database must be a monitored database). */
  readonly runner: IBackupRunner;
}

/** How a restore verification or drill is watched. */
export interface VerificationMonitoringOptions {
  /**
   * The longest expected time between two successful verifications of each database.
   * @default - the construct's maxTimeWithoutSuccess
   */
  readonly maxAge?: Duration;
}

/** How a replicated backup bucket is watched. */
export interface ReplicationMonitoringOptions {
  /**
   * Alarm when `ReplicationLatency` exceeds this.
   * @default Duration.minutes(15) - the Replication Time Control objective
   */
  readonly latencyThreshold?: Duration;
}

/** Properties of BackupMonitoring. Every list is passed through the matching add-method. */
export interface BackupMonitoringProps {
  /** The plan's name: prefixes alarm names and names the dashboard (letters, digits, - and _). */
  readonly planName: string;
  /** The stack's alarm topic: every alarm notifies it (ALARM and OK). */
  readonly alarmTopic: AlarmTopic;
  /**
   * The databases and their objectives (`addDatabase`).
   * @default - none yet
   */
  readonly databases?: DatabaseObjectives[];
  /**
   * AWS Backup protections (`addProtection`).
   * @default - none
   */
  readonly protections?: MonitoredProtection[];
  /**
   * Backup runners (`addRunner`).
   * @default - none
   */
  readonly runners?: MonitoredRunner[];
  /**
   * Restore verifications (`addVerification`).
   * @default - none
   */
  readonly verifications?: RestoreVerification[];
  /**
   * Runner restore drills (`addDrill`).
   * @default - none
   */
  readonly drills?: RunnerDrill[];
  /**
   * Stand-alone baseline captures, e.g. the one drills compare with (`addBaselineCapture`).
   * @default - none
   */
  readonly baselineCaptures?: BaselineCapture[];
  /**
   * Replicated backup buckets (`addReplication`).
   * @default - none
   */
  readonly replications?: IBackupBucket[];
  /**
   * Key of the measured-RPO logs.
   * @default - a new KMS key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Base of the docs links in alarm descriptions: each alarm links `<docsBaseUrl><kind>.md`.
   * @default - the page inside the package, `docs/alarms/<kind>.md`
   */
  readonly docsBaseUrl?: string;
  /**
   * How often the measured-RPO Lambda runs. The measured-RPO alarm's period is twice this.
   * @default - 5 minutes, or the whole minutes that fit twice into the shortest RPO (at least 1)
   */
  readonly measuredRpoInterval?: Duration;
  /**
   * Measured-RPO alarm levels.
   * @default - Warning at 80 %, Critical at 100 % of the RPO
   */
  readonly measuredRpoAlarm?: ObjectiveAlarmOptions;
  /**
   * Replication-lag alarm levels.
   * @default - Warning at 50 %, Critical at 100 % of the RPO
   */
  readonly replicaLagAlarm?: ObjectiveAlarmOptions;
  /**
   * Whether alarm actions are enabled. False leaves every alarm without an action (a warning).
   * @default true
   */
  readonly actionsEnabled?: boolean;
  /**
   * Whether to create the dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Name of the dashboard (unique in the account and Region).
   * @default '<planName>-backup-dr'
   */
  readonly dashboardName?: string;
  /**
   * Which alarms this monitoring builds.
   * @default MonitoringCoverage.ALL
   */
  readonly coverage?: MonitoringCoverage;
  /**
   * Multi-time-series alarms shared by the monitorings of a Region: when given, each database's
   * runner-job-failed, runner-silent, measured-rpo, verification-failed, verification-missing and
   * drill-rto-exceeded conditions are contributors of these alarms instead of alarms of their own
   * (the measured-RPO Lambda then publishes them as percentages of their objectives, and a
   * `monitor-stopped` alarm watches the Lambda). Its measured-RPO levels replace `measuredRpoAlarm`.
   * @default - one alarm per database and condition
   */
  readonly fleetAlarms?: FleetAlarms;
}

/**
 * Alarms (Warning/Critical, to the stack's alarm topic) and a dashboard for the databases of one
 * backup plan, plus the measured-RPO Lambda they rely on, derived from the protecting constructs.
 */
export class BackupMonitoring extends Construct {
  /** The alarm topic every alarm notifies. */
  public readonly alarmTopic: AlarmTopic;
  /** The factory every alarm of this construct is created through. */
  public readonly alarmFactory: AlarmFactory;

  /** @internal */ public readonly _props: BackupMonitoringProps;
  /** @internal */ public readonly _objectives: DatabaseObjectives[] = [];
  /** @internal */ public readonly _protections: ProtectionEntry[] = [];
  /** @internal */ public readonly _runners: RunnerEntry[] = [];
  /** @internal */ public readonly _verificationEntries: VerificationEntry[] = [];
  /** @internal */ public readonly _restoreTested = new Set<string>();
  /** @internal */ public readonly _verifications: RestoreVerification[] = [];
  /** @internal */ public readonly _baselines: BaselineCapture[] = [];
  /** @internal */ public readonly _replications: Array<{ bucket: IBackupBucket; options: ReplicationMonitoringOptions }> = [];
  private built = false;
  private measured?: MeasuredRpo;
  private board?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BackupMonitoringProps) {
    super(scope, id);
    this._props = props;
    this.alarmTopic = props.alarmTopic;
    this.alarmFactory = new AlarmFactory(this, {
      alarmNamePrefix: props.planName, topic: props.alarmTopic.topic, actionsEnabled: props.actionsEnabled, docsBaseUrl: props.docsBaseUrl,
    });
    for (const d of props.databases ?? []) this.addDatabase(d);
    for (const p of props.protections ?? []) this.addProtection(p.protection, p);
    for (const r of props.runners ?? []) this.addRunner(r.runner, r);
    for (const v of props.verifications ?? []) this.addVerification(v);
    for (const d of props.drills ?? []) this.addDrill(d);
    for (const b of props.baselineCaptures ?? []) this.addBaselineCapture(b);
    for (const b of props.replications ?? []) this.addReplication(b);

    this.node.addValidation({ validate: () => this.validateMonitoring() });
    // Many databases' alarms in one stack: refuse a template over CloudFormation's limits by name, at synth.
    guardStackLimits(this);
    const self = this;
    const build: IAspect = { visit: (node: IConstruct) => { if (node === self) self.build(); } };
    Aspects.of(this).add(build, { priority: AspectPriority.MUTATING });
  }

  /** Declares a database and its objectives; everything else refers to it by name. */
  public addDatabase(objectives: DatabaseObjectives): void {
    this.checkOpen('addDatabase');
    this._objectives.push(objectives);
  }

  /** Watches an AWS Backup protection: its vault jobs, copies, replica lag and measured RPO. */
  public addProtection(protection: DatabaseProtection, options: ProtectionMonitoringOptions): void {
    this.checkOpen('addProtection');
    this._protections.push({ protection, options });
  }

  /** Watches a backup runner: failures and silence of its scheduled jobs, its backups as an RPO source. */
  public addRunner(runner: IBackupRunner, options: RunnerMonitoringOptions = {}): void {
    this.checkOpen('addRunner');
    this._runners.push({ runner, options });
  }

  /** Watches a restore verification: per database failures and silence, restore jobs, its functions. */
  public addVerification(verification: RestoreVerification, options: VerificationMonitoringOptions = {}): void {
    this.checkOpen('addVerification');
    this._verifications.push(verification);
    for (const name of verification.databaseNames) {
      this._verificationEntries.push({ database: name, maxAge: options.maxAge ?? verification.maxTimeWithoutSuccess, source: `restore verification ${verification.node.path}` });
      this._restoreTested.add(name);
    }
  }

  /**
   * Watches a runner restore drill: failures and silence of its database's verification metrics,
   * and a measured RTO above the database's RTO (`drill-rto-exceeded`).
   */
  public addDrill(drill: RunnerDrill, options: VerificationMonitoringOptions = {}): void {
    this.checkOpen('addDrill');
    this._verificationEntries.push({
      database: drill.database, maxAge: options.maxAge ?? drill.maxTimeWithoutSuccess, source: `drill ${drill.node.path}`, drill: true, rtoObjective: drill.rtoObjective,
    });
  }

  /** Watches a baseline capture's function: errors and dead letters. */
  public addBaselineCapture(capture: BaselineCapture): void {
    this.checkOpen('addBaselineCapture');
    this._baselines.push(capture);
  }

  /** Watches a backup bucket's replication to its replica (rule `BackupBucket.REPLICATION_RULE_ID`). */
  public addReplication(bucket: IBackupBucket, options: ReplicationMonitoringOptions = {}): void {
    this.checkOpen('addReplication');
    this._replications.push({ bucket, options });
  }

  /** Every alarm created. */
  public get alarms(): cloudwatch.IAlarm[] {
    this.build();
    return [...this.alarmFactory.alarms];
  }

  /**
   * The measured-RPO Lambda.
   * @default - absent when no database has a recovery-point source
   */
  public get measuredRpo(): MeasuredRpo | undefined {
    this.build();
    return this.measured;
  }

  /**
   * The dashboard.
   * @default - absent when `dashboard: false`
   */
  public get dashboard(): cloudwatch.Dashboard | undefined {
    this.build();
    return this.board;
  }

  /** Name, metric, threshold, period, missing-data treatment and docs page of every alarm. */
  public describeAlarms(): AlarmDescription[] {
    this.build();
    return this.alarmFactory.describeAlarms();
  }

  /** The alarms that watch one database. */
  public alarmsFor(database: string): cloudwatch.IAlarm[] {
    this.build();
    return this.alarmFactory.alarmsFor(database);
  }

  /** Every problem of the whole picture, at once; throws them as one ConfigurationError. */
  private validateMonitoring(): string[] {
    const model = this._model();
    const interval = this.measuredRpoInterval();
    const problems = monitoringProblems(this, model, interval, this._props.coverage !== MonitoringCoverage.SHARED_SERIES);
    const fleet = this._props.fleetAlarms;
    if (fleet) problems.push(...this.fleetProblems(fleet, model, interval));
    if (problems.length > 0) throw new ConfigurationError(`BackupMonitoring '${this._props.planName}'`, problems);
    return [];
  }

  /** What the fleet alarms need of this monitoring: their levels, a drill's RTO, a Lambda at least once per period. */
  private fleetProblems(fleet: FleetAlarms, model: MonitoringModel, interval: Duration): string[] {
    const problems: string[] = [];
    if (this._props.measuredRpoAlarm) problems.push('measuredRpoAlarm: set the levels on the fleetAlarms that judge them (FleetAlarms measuredRpoAlarm), not here');
    // The fleet's drill-rto-exceeded judges RtoObjectiveMet, which a drill publishes only when given the database's RTO.
    for (const db of model.databases.values()) {
      const rto = db.objectives.rto;
      if (rto.isUnresolved()) continue;
      for (const v of db.verifications.filter((x) => x.drill)) {
        const given = v.rtoObjective;
        if (!given) {
          problems.push(`${v.source}: with fleetAlarms, drill-rto-exceeded judges the drill's RtoObjectiveMet, which it publishes only when given rto: give it the RTO of ${db.objectives.name} (${rto.toHumanString()})`);
        } else if (!given.isUnresolved() && given.toSeconds() !== rto.toSeconds()) {
          problems.push(`${v.source}: rto ${given.toHumanString()} differs from the RTO of ${db.objectives.name} (${rto.toHumanString()}); the fleet's drill-rto-exceeded would judge the drill's`);
        }
      }
    }
    if (!interval.isUnresolved() && interval.toSeconds() > fleet.period.toSeconds()) {
      problems.push(`measuredRpoInterval: the measured-RPO Lambda must run at least once per fleet alarm period (${fleet.period.toHumanString()}), got ${interval.toHumanString()}`);
    }
    return problems;
  }

  /** 5 minutes, shortened so that twice the interval fits in the shortest RPO of a measured database. */
  private measuredRpoInterval(): Duration {
    if (this._props.measuredRpoInterval) return this._props.measuredRpoInterval;
    let minutes = 5;
    for (const db of this._model().databases.values()) {
      if (!hasMeasuredSource(db) || db.objectives.rpo.isUnresolved()) continue;
      minutes = Math.min(minutes, Math.max(1, Math.floor(db.objectives.rpo.toSeconds() / 120)));
    }
    return Duration.minutes(minutes);
  }

  /** Builds the alarms, the measured-RPO Lambda and the dashboard once, from everything added. */
  private build(): void {
    if (this.built) return;
    this.built = true;
    const interval = this.measuredRpoInterval();
    const fleet = this._props.fleetAlarms;
    const silenceChecks = new Map<string, Array<{ check: string; metric: cloudwatch.Metric; window: Duration; kind?: string }>>();
    const alarms = new DrAlarms(this.alarmFactory, (s) => {
      silenceChecks.set(s.database, [...(silenceChecks.get(s.database) ?? []), { check: s.check, metric: s.success, window: s.window, kind: s.kind }]);
      return RecoveryMetrics.secondsSinceLastSuccess(s.database, s.check, { period: Duration.seconds(interval.toSeconds() * 2) });
    }, fleet);
    const model = this._model();
    const coverage = this._props.coverage ?? MonitoringCoverage.ALL;
    buildMonitoringAlarms(this, model, alarms, {
      shared: coverage !== MonitoringCoverage.DATABASES,
      databases: coverage !== MonitoringCoverage.SHARED_SERIES,
      measuredRpoPeriod: Duration.seconds(interval.toSeconds() * 2),
      measuredRpoLevels: this._props.measuredRpoAlarm as LevelOptions | undefined,
      replicaLagLevels: this._props.replicaLagAlarm as LevelOptions | undefined,
    });
    if (coverage === MonitoringCoverage.SHARED_SERIES) return;
    const measured = measuredRpoDatabases(model, silenceChecks, fleet !== undefined);
    if (measured.length > 0) {
      this.measured = new MeasuredRpo(this, 'MeasuredRpo', { interval, encryptionKey: this._props.encryptionKey, databases: measured });
      if (fleet) this.alarmMonitorStopped(this.measured, fleet, measured.map((d) => d.name));
    }
    // A bad plan name is reported by the validation; it would only fail the dashboard here.
    if ((this._props.dashboard ?? true) && /^[A-Za-z0-9_-]{1,100}$/.test(this._props.planName)) {
      this.board = buildMonitoringDashboard(this, this._props.dashboardName ?? `${this._props.planName}-backup-dr`, [...model.databases.values()], this.alarmFactory,
        // The Warning level the dashboard marks: the fleet's when its alarms judge the measured RPO.
        (fleet ? fleet._measuredRpoLevels() : levelEntries(this._props.measuredRpoAlarm as LevelOptions | undefined, DEFAULT_MEASURED_RPO_LEVELS))
          .find(([severity]) => severity === AlarmSeverity.WARNING)?.[1],
        replicationsOf(this, model));
    }
  }

  /**
   * The fleet alarms judge what the measured-RPO Lambda publishes; a series that stops has no
   * contributor, so the Lambda's errors or absence in a period is an alarm of its own.
   */
  private alarmMonitorStopped(measured: MeasuredRpo, fleet: FleetAlarms, databases: string[]): void {
    const fn = measured.lambdaFunction;
    const period = fleet.period;
    const errors = fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM });
    const invocations = fn.metricInvocations({ period, statistic: cloudwatch.Stats.SUM });
    this.alarmFactory.createAlarm({
      kind: MONITOR_STOPPED, subject: 'measured-rpo', severity: AlarmSeverity.CRITICAL, databases,
      meaning: 'the measured-RPO Lambda of these databases failed or did not run: their fleet alarms on measured RPO and silence see nothing',
      metric: errors, expression: 'IF(FILL(errors, 0) > 0 || FILL(invocations, 0) < 1, 1, 0)', usingMetrics: { errors, invocations },
      threshold: 1, thresholdUnit: 'stopped (1) or running (0)',
    });
  }

  /** @internal Everything added, grouped per database, with what refers to an unknown database. */
  public _model(): MonitoringModel {
    const databases = new Map<string, DatabaseModel>();
    const problems: string[] = [];
    for (const objectives of this._objectives) {
      if (databases.has(objectives.name)) problems.push(`database '${objectives.name}' is added twice`);
      else databases.set(objectives.name, { objectives, protections: [], runners: [], verifications: [] });
    }
    const known = [...databases.keys()].join(', ') || 'none';
    const place = (name: string, what: string, push: (db: DatabaseModel) => void) => {
      const db = databases.get(name);
      if (db) push(db);
      else problems.push(`${what} is for database '${name}', which is not a monitored database (addDatabase; monitored: ${known})`);
    };
    for (const e of this._protections) place(e.options.database, `protection ${e.protection.node.path}`, (db) => db.protections.push(e));
    for (const e of this._runners) place(e.runner.database, `runner ${e.runner.node.path} (${e.runner.engine})`, (db) => db.runners.push(e));
    for (const e of this._verificationEntries) place(e.database, e.source, (db) => db.verifications.push(e));
    return { databases, problems };
  }

  private checkOpen(method: string): void {
    if (this.built) {
      throw new ConfigurationError(`BackupMonitoring ${this.node.path}`, [`${method}: called after the alarms were built (synthesis, or a read of alarms/describeAlarms); add everything before`]);
    }
  }
}
