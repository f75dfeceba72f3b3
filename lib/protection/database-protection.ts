/**
 * AWS Backup protection of one RDS DB instance or Aurora DB cluster, derived from its RPO:
 * continuous backup (PITR) when the RPO is shorter than the snapshot interval, scheduled
 * snapshots with grandfather-father-son retention, copies to the DR vault (and to another
 * account's vault), and a selection that names the database.
 *
 * Cold storage is never configured: AWS Backup does not tier RDS or Aurora snapshots to cold
 * storage (it ignores the setting for them, see "Feature availability by resource"), and
 * continuous backups can never go cold. Keeping long-lived copies cheap is done by retention.
 */
import { Annotations, Aws, Duration, Names, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { lifecycleProblems, lockProblems } from './rule-validation';
import { DatabaseResourceKind, ProtectedDatabase, SelectionTag, selectionTagProblems } from './protected-database';
import { ConfigurationError } from '../errors';
import { BackupRoles } from '../iam/backup-roles';
import { cronIntervals, parseAwsCron } from '../plan/cron';
import { CONTINUOUS_RETENTION_DAYS } from '../plan/model';
import { VaultLockOptions } from '../storage/backup-vault';

export interface DatabaseProtectionProps {
  /** The instance or cluster to protect. */
  readonly database: ProtectedDatabase;
  /** The primary-region vault (this library's BackupVault, or any aws-backup vault). */
  readonly vault: backup.IBackupVault;
  /** Recovery point objective: decides continuous backup (see `continuousBackup`). */
  readonly rpo: Duration;
  /**
   * Vault in the DR region that receives a copy of every recovery point.
   * @default - no cross-region copy (not recommended; the audit framework flags it)
   */
  readonly drVault?: backup.IBackupVault;
  /**
   * Vault in another account (typically `BackupVault.fromBackupVaultArn`) that also receives
   * copies. That vault needs a policy allowing backup:CopyIntoBackupVault from this account
   * (see CrossAccountCopyTarget).
   * @default - no cross-account copy
   */
  readonly crossAccountVault?: backup.IBackupVault;
  /**
   * Schedule of the snapshot rule, an AWS cron expression (UTC). At most hourly.
   * @default events.Schedule.expression('cron(0 2 * * ? *)') — daily at 02:00 UTC
   */
  readonly snapshotSchedule?: events.Schedule;
  /**
   * How long each scheduled snapshot (and its copies) is kept.
   * @default Duration.days(35)
   */
  readonly snapshotRetention?: Duration;
  /**
   * Keep a weekly snapshot (Sundays) for this long.
   * @default - no weekly rule
   */
  readonly weeklyRetention?: Duration;
  /**
   * Keep a monthly snapshot (the 1st) for this long.
   * @default - no monthly rule
   */
  readonly monthlyRetention?: Duration;
  /**
   * Force continuous backup on (true) or off (false).
   * @default - on when `rpo` is shorter than the longest gap of `snapshotSchedule`
   */
  readonly continuousBackup?: boolean;
  /**
   * Retention of continuous backup (1–35 days).
   * @default - the snapshot retention, capped at 35 days
   */
  readonly continuousRetention?: Duration;
  /**
   * Select the database by tags (every tag must match, AND semantics) instead of by ARN; the
   * database (its ARN) still names the instance for verification and monitoring.
   * Note: cdk-nag's RDSInBackupPlan only recognises selections by ARN.
   * @default - the database's own tags when it is `ProtectedDatabase.fromTags`, else the selection names its ARN
   */
  readonly selectionTags?: SelectionTag[];
  /**
   * Role AWS Backup assumes to back up the database.
   * @default - a new BackupRoles' backupRole
   */
  readonly backupRole?: iam.IRole;
  /**
   * Name of the backup plan.
   * @default - derived from the construct path
   */
  readonly backupPlanName?: string;
  /**
   * Time after the scheduled start within which a job must start, or it is cancelled.
   * @default Duration.hours(1)
   */
  readonly startWindow?: Duration;
  /**
   * Time within which a started job must complete.
   * @default Duration.hours(8)
   */
  readonly completionWindow?: Duration;
  /**
   * Put this database in the backup plan of another DatabaseProtection instead of a plan of its
   * own: it gets only its selection. The rules this construct's props give (schedule, retentions,
   * continuous backup, vaults, copies, windows) must be exactly that plan's, or synth stops with a
   * ConfigurationError listing both. A fleet of databases with the same objectives then holds one
   * plan per set of objectives (AWS Backup allows 300 plans per Region and account by default, and
   * at most 100 selections per plan, which is checked).
   * @default - a backup plan of its own
   */
  readonly sharePlanWith?: DatabaseProtection;
}

/** AWS Backup's quota of resource assignments (selections) per backup plan; not adjustable. */
export const MAX_SELECTIONS_PER_BACKUP_PLAN = 100;

const DEFAULT_SCHEDULE = 'cron(0 2 * * ? *)';

/** What the construct decided, for reports and for the lead's app output. */
export interface ProtectionRuleSummary {
  readonly ruleName: string;
  readonly schedule: string;
  readonly continuous: boolean;
  readonly retentionDays: number;
  readonly copiesTo: string[];
}

export class DatabaseProtection extends Construct {
  public readonly backupPlan: backup.BackupPlan;
  public readonly selection: backup.CfnBackupSelection;
  /** True when a continuous-backup (PITR) rule is part of the plan. */
  public readonly continuousBackupEnabled: boolean;
  /** Longest gap between scheduled snapshots, in minutes. */
  public readonly snapshotIntervalMinutes: number;
  /** The rules, as decided. */
  public readonly rules: ProtectionRuleSummary[] = [];
  public readonly backupRole: iam.IRole;
  /** The protected instance or cluster. */
  public readonly database: ProtectedDatabase;
  /** The recovery point objective the protection was built for. */
  public readonly rpo: Duration;
  /** The primary-region vault that receives the recovery points. */
  public readonly vault: backup.IBackupVault;
  /**
   * The DR-region vault that receives copies.
   * @default - no cross-region copy
   */
  public readonly drVault?: backup.IBackupVault;
  /**
   * The other account's vault that receives copies.
   * @default - no cross-account copy
   */
  public readonly crossAccountVault?: backup.IBackupVault;
  /** Whether the database is an RDS instance or an Aurora cluster (its AWS Backup resource type). */
  public readonly resourceKind: DatabaseResourceKind;
  /** Longest gap between scheduled snapshots (the snapshot schedule's worst case). */
  public readonly snapshotInterval: Duration;
  /** Time after the scheduled start within which a job must start. */
  public readonly startWindow: Duration;
  /** Time within which a started job must complete. */
  public readonly completionWindow: Duration;
  /**
   * The protection whose backup plan this one joined (`sharePlanWith`).
   * @default - none: the plan is this construct's own
   */
  public readonly planOwner?: DatabaseProtection;
  /** How many selections the plan this construct created holds (its own and those of protections sharing it). */
  private planSelections = 0;

  constructor(scope: Construct, id: string, props: DatabaseProtectionProps) {
    super(scope, id);
    this.vault = props.vault;
    this.drVault = props.drVault;
    this.crossAccountVault = props.crossAccountVault;
    this.database = props.database;
    this.rpo = props.rpo;
    this.resourceKind = props.database.kind;
    const subject = `DatabaseProtection ${this.node.path}`;
    const problems: string[] = [];

    const scheduleText = props.snapshotSchedule?.expressionString ?? DEFAULT_SCHEDULE;
    const parsed = parseAwsCron(scheduleText);
    const intervals = parsed.schedule ? cronIntervals(parsed.schedule) : undefined;
    if (!parsed.schedule) {
      problems.push(...parsed.problems.map((p) => `snapshotSchedule: ${p}`));
    } else if (!intervals) {
      problems.push(`snapshotSchedule: "${scheduleText}" fires fewer than twice in the next four years`);
    } else if (intervals.minGapMinutes < 60) {
      problems.push(`snapshotSchedule: "${scheduleText}" runs ${intervals.minGapMinutes} min apart; AWS Backup runs a rule at most hourly (use continuous backup for a shorter RPO)`);
    }
    this.snapshotIntervalMinutes = intervals?.maxGapMinutes ?? 0;
    this.snapshotInterval = Duration.minutes(this.snapshotIntervalMinutes);

    const rpoMinutes = props.rpo.isUnresolved() ? undefined : props.rpo.toMinutes({ integral: false });
    if (rpoMinutes !== undefined && rpoMinutes <= 0) {
      problems.push(`rpo: must be > 0, got ${rpoMinutes} minutes`);
    }
    this.continuousBackupEnabled = props.continuousBackup
      ?? (intervals !== undefined && rpoMinutes !== undefined && rpoMinutes < intervals.maxGapMinutes);
    if (!this.continuousBackupEnabled && intervals && rpoMinutes !== undefined && rpoMinutes < intervals.maxGapMinutes) {
      problems.push(`rpo: ${rpoMinutes} min cannot be met with continuousBackup false — snapshots run every ${intervals.maxGapMinutes} min at worst; enable continuous backup or raise the rpo`);
    }

    const snapshotDays = days(props.snapshotRetention ?? Duration.days(35));
    const continuousDays = props.continuousRetention ? days(props.continuousRetention) : Math.min(snapshotDays, CONTINUOUS_RETENTION_DAYS.max);

    const copyTargets = [props.drVault, props.crossAccountVault].filter((v): v is backup.IBackupVault => v !== undefined);
    const vaults: backup.IBackupVault[] = [props.vault, ...copyTargets];

    this.backupRole = props.backupRole ?? new BackupRoles(this, 'Roles').backupRole;
    // The plan is the owner's when shared (the owner of the plan that owner joined, if it did).
    const owner = props.sharePlanWith ? (props.sharePlanWith.planOwner ?? props.sharePlanWith) : undefined;
    this.planOwner = owner;
    if (owner) {
      if (props.backupPlanName !== undefined) problems.push(`backupPlanName: a protection sharing the plan of ${owner.node.path} does not name it, got "${props.backupPlanName}"`);
      if (owner.planSelections >= MAX_SELECTIONS_PER_BACKUP_PLAN) {
        problems.push(`sharePlanWith: the plan of ${owner.node.path} already holds ${owner.planSelections} selections, AWS Backup's limit per plan (${MAX_SELECTIONS_PER_BACKUP_PLAN})`);
      }
      owner.planSelections++;
    } else {
      this.planSelections = 1;
    }
    this.backupPlan = owner ? owner.backupPlan : new backup.BackupPlan(this, 'Plan', {
      backupPlanName: props.backupPlanName ?? Names.uniqueResourceName(this, { maxLength: 50, separator: '-' }),
    });

    const startWindow = props.startWindow ?? Duration.hours(1);
    this.startWindow = startWindow;
    const completionWindow = props.completionWindow ?? Duration.hours(8);
    this.completionWindow = completionWindow;
    const addRule = (ruleName: string, schedule: string, retentionDays: number, continuous: boolean) => {
      const ruleProblems = lifecycleProblems({ ruleName, continuous, deleteAfterDays: retentionDays });
      problems.push(...ruleProblems);
      for (const v of vaults) {
        const lock = lockOf(v);
        if (lock) {
          problems.push(...lockProblems(ruleName, retentionDays, {
            vault: v === props.vault ? 'the primary vault' : 'a copy destination vault',
            minDays: days(lock.minRetention),
            maxDays: lock.maxRetention ? days(lock.maxRetention) : undefined,
          }));
        }
      }
      if (ruleProblems.length) {
        // aws-backup would throw on the first of them; the ConfigurationError below lists all.
        return;
      }
      const deleteAfter = Duration.days(retentionDays);
      // A shared plan has its rules already: the comparison below proves they are these.
      if (!owner) this.backupPlan.addRule(new backup.BackupPlanRule({
        ruleName,
        backupVault: props.vault,
        scheduleExpression: events.Schedule.expression(schedule),
        enableContinuousBackup: continuous || undefined,
        deleteAfter,
        startWindow,
        completionWindow,
        copyActions: copyTargets.map((destinationBackupVault) => ({ destinationBackupVault, deleteAfter })),
      }));
      this.rules.push({ ruleName, schedule, continuous, retentionDays, copiesTo: copyTargets.map((v) => v.backupVaultArn) });
    };

    if (this.continuousBackupEnabled) {
      // The continuous rule's schedule is when AWS Backup copies a snapshot of the continuous
      // recovery point to the copy destinations (continuous backups themselves stay in-region).
      addRule('Continuous', scheduleText, continuousDays, true);
    }
    addRule('Scheduled', scheduleText, snapshotDays, false);
    const [minute, hour] = parsed.schedule ? [parsed.schedule.minutes[0], parsed.schedule.hours[0]] : [0, 2];
    if (props.weeklyRetention) {
      addRule('Weekly', `cron(${minute} ${hour} ? * SUN *)`, days(props.weeklyRetention), false);
    }
    if (props.monthlyRetention) {
      addRule('Monthly', `cron(${minute} ${hour} 1 * ? *)`, days(props.monthlyRetention), false);
    }

    if (owner) {
      // Joining a plan is only right when it is the plan these props would have made.
      const stack = Stack.of(this);
      const shape = (p: DatabaseProtection) => JSON.stringify(stack.resolve({
        rules: p.rules, vault: p.vault.backupVaultArn, startWindowSeconds: p.startWindow.toSeconds(), completionWindowSeconds: p.completionWindow.toSeconds(),
      }));
      const mine = shape(this);
      const theirs = shape(owner);
      if (mine !== theirs) {
        problems.push(`sharePlanWith: the plan of ${owner.node.path} is ${theirs}, but this database's props give ${mine}; share only a plan with the same rules, vault and windows`);
      }
    }

    const tags = props.selectionTags ?? props.database.selectionTags ?? [];
    if (props.selectionTags !== undefined) {
      problems.push(...selectionTagProblems(props.selectionTags, 'selectionTags'));
    }
    const selectionName = Names.uniqueResourceName(this, { maxLength: 50, separator: '-' });
    this.selection = new backup.CfnBackupSelection(this, 'Selection', {
      backupPlanId: this.backupPlan.backupPlanId,
      backupSelection: tags.length
        ? {
          selectionName,
          iamRoleArn: this.backupRole.roleArn,
          // Resources narrows to the database type; Conditions.StringEquals entries are ANDed
          // (ListOfTags would OR them).
          resources: [this.resourceTypeArnPattern()],
          conditions: {
            StringEquals: tags.map((t) => ({ ConditionKey: `aws:ResourceTag/${t.key}`, ConditionValue: t.value })),
          },
        }
        : {
          selectionName,
          iamRoleArn: this.backupRole.roleArn,
          resources: [props.database.arn],
        },
    });

    if (problems.length) {
      throw new ConfigurationError(subject, problems);
    }
    if (!props.drVault) {
      Annotations.of(this).addWarningV2('cdk-database-dr:no-dr-copy',
        'drVault is not set: recovery points stay in one Region and do not survive a Regional outage');
    }
  }

  /**
   * An AWS/Backup metric of this database's resource type in the primary vault.
   * @default sum over 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Backup',
      metricName,
      dimensionsMap: { BackupVaultName: this.vault.backupVaultName, ResourceType: this.resourceKind },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** Backup jobs of this resource type that failed. @default sum over 5 minutes */
  public metricBackupJobsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfBackupJobsFailed', props);
  }

  /** Backup jobs of this resource type that completed. @default sum over 5 minutes */
  public metricBackupJobsCompleted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfBackupJobsCompleted', props);
  }

  /** Copy jobs of this resource type (to the DR / cross-account vault) that failed. @default sum over 5 minutes */
  public metricCopyJobsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfCopyJobsFailed', props);
  }

  /** Recovery points of this resource type created. @default sum over 5 minutes */
  public metricRecoveryPointsCompleted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('NumberOfRecoveryPointsCompleted', props);
  }

  private resourceTypeArnPattern(): string {
    return `arn:${Aws.PARTITION}:rds:*:*:${this.resourceKind === DatabaseResourceKind.AURORA_CLUSTER ? 'cluster' : 'db'}:*`;
  }
}

function days(d: Duration): number {
  return d.toDays({ integral: false });
}

/** The Vault Lock of this library's BackupVault; undefined for other vaults. */
function lockOf(vault: backup.IBackupVault): VaultLockOptions | undefined {
  const lock = (vault as { vaultLock?: VaultLockOptions }).vaultLock;
  return lock && lock.minRetention instanceof Duration ? lock : undefined;
}
