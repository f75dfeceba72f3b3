/**
 * The plan applied across an AWS Organization: AWS Organizations backup policies (policy type
 * BACKUP_POLICY) generated from the plan's rds/aurora databases. Attached to the root or an OU,
 * a policy makes AWS Backup create the same backup plans in every member account, in the plan's
 * primary Region, with copies to the DR Region (and to the DR account's vault), selecting each
 * database by its tags, and child policies cannot change them.
 *
 * Why policies rather than StackSets: a policy is enforced by Organizations (an account's admin
 * cannot edit or delete the effective plan; `@@operators_allowed_for_child_policies: @@none` stops
 * OUs and accounts below from overriding it), reaches accounts created later without a
 * deployment, and has no per-account stack to drift. What it cannot create — each member
 * account's vaults and the role AWS Backup assumes — must exist first (docs/organizations.md).
 *
 * Policy syntax: plans → regions, rules (schedule, windows, lifecycle, copy actions), selections
 * (`resources` with `resource_types` and `conditions.string_equals`, which are ANDed, unlike the
 * `tags` block, whose values are ORed), each value under `@@assign`; `$account` stands for the
 * member account.
 * @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigurationError } from '../errors';
import { parseAwsCron } from '../plan/cron';
import { scheduleOf } from '../plan/feasibility';
import { CONTINUOUS_RETENTION_DAYS } from '../plan/model';
import { usesContinuousBackup } from '../plan/tiers';
import { BackupPlanConfig, DatabaseConfig, DeploymentKind, SelectionMode, databasePath } from '../plan/types';

/** Options of {@link OrganizationBackupPolicy.fromPlan}. */
export interface OrganizationBackupPolicyOptions {
  /**
   * Name of the backup vault, in every member account and the primary Region, that receives the
   * recovery points. It must exist before the policy runs.
   * @default 'cdk-database-dr'
   */
  readonly vaultName?: string;
  /**
   * Name of the vault, in every member account and the DR Region, that receives the copies.
   * @default - the same as vaultName
   */
  readonly drVaultName?: string;
  /**
   * Name of the IAM role AWS Backup assumes in every member account (trusted by
   * backup.amazonaws.com, with the AWS Backup service role policies for backup).
   * @default 'cdk-database-dr-backup'
   */
  readonly roleName?: string;
  /**
   * Time after the scheduled start within which a job must start (AWS: at least 60).
   * @default 60
   */
  readonly startWindowMinutes?: number;
  /**
   * Time within which a started job must complete.
   * @default 480
   */
  readonly completionWindowMinutes?: number;
}

/** One policy document, ready for `aws organizations create-policy --type BACKUP_POLICY --content file://...`. */
export interface OrganizationBackupPolicyDocument {
  /** A policy name: the plan's name, numbered when the plan needs several policies. */
  readonly name: string;
  /** The policy text: minified JSON, exactly what Organizations counts against its size limit. */
  readonly content: string;
  /** Characters of `content`. */
  readonly size: number;
  /** The backup plans it defines. */
  readonly planNames: string[];
  /** The plan-file names of the databases it selects. */
  readonly databases: string[];
}

/** What a plan becomes across an organization. */
export interface OrganizationBackupPolicies {
  /** The policies, each within the size limit. */
  readonly policies: OrganizationBackupPolicyDocument[];
  /** Databases no policy covers, one line each with the reason (self-managed databases). */
  readonly notCovered: string[];
}

/** The plan-derived rule of a backup plan. */
interface RuleSpec {
  readonly name: string;
  readonly schedule: string;
  readonly deleteAfterDays: number;
  readonly continuous: boolean;
}

type Node = { [key: string]: unknown };

const assign = (value: unknown): Node => ({ '@@assign': value });
const LOCKED = { '@@operators_allowed_for_child_policies': ['@@none'] };

export class OrganizationBackupPolicy {
  /** Organizations' size limit of a backup policy document, in characters. */
  public static readonly MAX_POLICY_CHARACTERS = 10000;
  /** Tag conditions AWS Backup accepts in one selection of a backup policy. */
  public static readonly MAX_CONDITIONS_PER_SELECTION = 30;

  /**
   * The backup policies of a plan's rds/aurora databases: one backup plan per set of identical
   * rules (schedule, retention, continuous backup), one selection per database (its resource
   * type and every one of its selection tags), packed into as few policies as the size limit
   * allows. Throws one ConfigurationError with every problem: a database named only by its ARN
   * (an ARN names one account's instance; the policy selects by tags in every account), more tag
   * conditions than a selection takes, or a single database whose plan alone exceeds the limit.
   */
  public static fromPlan(plan: BackupPlanConfig, options: OrganizationBackupPolicyOptions = {}): OrganizationBackupPolicies {
    return new PolicyBuilder(plan, options).build();
  }

  /**
   * Writes each policy of `fromPlan` to `<directory>/<name>.json` (the directory is created) and
   * returns the paths written.
   */
  public static writeFiles(policies: OrganizationBackupPolicies, directory: string): string[] {
    fs.mkdirSync(directory, { recursive: true });
    return policies.policies.map((p) => {
      const file = path.join(directory, `${p.name}.json`);
      fs.writeFileSync(file, p.content + '\n');
      return file;
    });
  }

  /** What was written, for the operator: one line per policy (size, plans, databases), then what no policy covers. */
  public static describe(policies: OrganizationBackupPolicies, files: string[]): string {
    const lines = policies.policies.map((p, i) =>
      `  - ${files[i] ?? p.name}: ${p.size}/${OrganizationBackupPolicy.MAX_POLICY_CHARACTERS} characters, plans ${p.planNames.join(', ')}; databases ${p.databases.join(', ')}`);
    const out = [`Organization backup policies (type BACKUP_POLICY; attach to the root or an OU, see docs/organizations.md):`, ...lines];
    if (policies.notCovered.length) out.push('Not covered by the policies:', ...policies.notCovered.map((l) => `  - ${l}`));
    return out.join('\n');
  }

  private constructor() {}
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function rulesOf(db: DatabaseConfig): RuleSpec[] {
  const schedule = db.scheduleCron;
  const r = db.retention;
  const rules: RuleSpec[] = [];
  if (usesContinuousBackup(db, scheduleOf(db))) {
    rules.push({ name: 'Continuous', schedule, deleteAfterDays: Math.min(r.dailyDays, CONTINUOUS_RETENTION_DAYS.max), continuous: true });
  }
  rules.push({ name: 'Scheduled', schedule, deleteAfterDays: r.dailyDays, continuous: false });
  const parsed = parseAwsCron(schedule).schedule;
  const [minute, hour] = parsed ? [parsed.minutes[0], parsed.hours[0]] : [0, 2];
  if (r.weeklyCount > 0) rules.push({ name: 'Weekly', schedule: `cron(${minute} ${hour} ? * SUN *)`, deleteAfterDays: r.weeklyCount * 7, continuous: false });
  if (r.monthlyCount > 0) rules.push({ name: 'Monthly', schedule: `cron(${minute} ${hour} 1 * ? *)`, deleteAfterDays: r.monthlyCount * 31, continuous: false });
  return rules;
}

class PolicyBuilder {
  private readonly partition: string;
  private readonly vaultName: string;
  private readonly drVaultName: string;
  private readonly roleArn: string;
  private readonly startWindow: number;
  private readonly completionWindow: number;

  constructor(private readonly plan: BackupPlanConfig, options: OrganizationBackupPolicyOptions) {
    this.partition = partitionOf(plan.primaryRegion);
    this.vaultName = options.vaultName ?? 'cdk-database-dr';
    this.drVaultName = options.drVaultName ?? this.vaultName;
    this.roleArn = `arn:${this.partition}:iam::$account:role/${options.roleName ?? 'cdk-database-dr-backup'}`;
    this.startWindow = options.startWindowMinutes ?? 60;
    this.completionWindow = options.completionWindowMinutes ?? 480;
    const problems: string[] = [];
    for (const [field, name] of [['vaultName', this.vaultName], ['drVaultName', this.drVaultName]] as const) {
      // AWS Backup vault names: 2-50 letters, digits and hyphens.
      if (!/^[a-zA-Z0-9-_]{2,50}$/.test(name)) problems.push(`${field}: must be a backup vault name of 2-50 letters, digits, hyphens or underscores, got ${JSON.stringify(name)}`);
    }
    if (!/^[\w+=,.@-]{1,64}$/.test(options.roleName ?? 'cdk-database-dr-backup')) {
      problems.push(`roleName: must be an IAM role name of 1-64 letters, digits or +=,.@_-, got ${JSON.stringify(options.roleName)}`);
    }
    if (!Number.isInteger(this.startWindow) || this.startWindow < 60) problems.push(`startWindowMinutes: must be a whole number of at least 60 (AWS Backup), got ${this.startWindow}`);
    if (!Number.isInteger(this.completionWindow) || this.completionWindow <= this.startWindow) {
      problems.push(`completionWindowMinutes: must be a whole number greater than startWindowMinutes (${this.startWindow}), got ${this.completionWindow}`);
    }
    if (problems.length) throw new ConfigurationError('OrganizationBackupPolicy', problems);
  }

  build(): OrganizationBackupPolicies {
    const problems: string[] = [];
    const notCovered: string[] = [];
    // Databases with identical rules share one backup plan; the key is the rules as JSON.
    const groups = new Map<string, { rules: RuleSpec[]; databases: DatabaseConfig[] }>();
    for (const db of this.plan.databases) {
      if (db.deployment === DeploymentKind.SELF_MANAGED) {
        notCovered.push(`${db.name}: self-managed — its runner tasks are infrastructure of one account; deploy the DR app in that account`);
        continue;
      }
      if (db.selection !== SelectionMode.TAGS) {
        problems.push(`${databasePath(db)}.existing_resource_arn: an organization policy selects databases by tags in every member account, and ${JSON.stringify(db.existingResourceArn)} names one instance of one account; set selection "tags" with tags that identify it, got selection "arn"`);
        continue;
      }
      const conditions = Object.keys(db.selectionTags).length;
      if (conditions > OrganizationBackupPolicy.MAX_CONDITIONS_PER_SELECTION) {
        problems.push(`${databasePath(db)}.tags: a backup policy selection takes at most ${OrganizationBackupPolicy.MAX_CONDITIONS_PER_SELECTION} tag conditions, got ${conditions}`);
        continue;
      }
      const rules = rulesOf(db);
      const key = JSON.stringify(rules);
      const group = groups.get(key) ?? { rules, databases: [] };
      group.databases.push(db);
      groups.set(key, group);
    }
    if (problems.length) throw new ConfigurationError(`${this.plan.sourceName}: cannot be applied as an organization backup policy`, problems);
    return { policies: this.pack([...groups.values()]), notCovered };
  }

  /** Greedy packing: selections join their group's plan until the document would exceed the limit. */
  private pack(groups: Array<{ rules: RuleSpec[]; databases: DatabaseConfig[] }>): OrganizationBackupPolicyDocument[] {
    const max = OrganizationBackupPolicy.MAX_POLICY_CHARACTERS;
    const done: Array<{ plans: Node; databases: string[] }> = [];
    let current = { plans: { '@@operators_allowed_for_child_policies': ['@@append'] } as Node, databases: [] as string[] };
    const size = () => JSON.stringify({ plans: current.plans }).length;
    groups.forEach((group, g) => {
      let part = 1;
      const planName = () => `${this.plan.name}-${g + 1}${part > 1 ? `-${part}` : ''}`;
      for (const db of group.databases) {
        const place = () => {
          const name = planName();
          const node = (current.plans[name] as Node | undefined) ?? this.planNode(group.rules);
          const selections = ((node.selections as Node).resources as Node);
          selections[db.name] = this.selection(db);
          current.plans[name] = node;
          current.databases.push(db.name);
          return () => {
            delete selections[db.name];
            current.databases.pop();
            if (Object.keys(selections).length === 0) delete current.plans[name];
          };
        };
        const undo = place();
        if (size() <= max) continue;
        undo();
        // A plan of this group already in the finished document keeps its name: continue in a new one.
        if (current.plans[planName()] !== undefined) part += 1;
        if (current.databases.length > 0) {
          done.push(current);
          current = { plans: { '@@operators_allowed_for_child_policies': ['@@append'] }, databases: [] };
        }
        place();
        if (size() > max) {
          throw new ConfigurationError(`${this.plan.sourceName}: cannot be applied as an organization backup policy`, [
            `${databasePath(db)}: its backup plan alone makes a policy of ${size()} characters; Organizations takes at most ${max} (fewer tags, or shorter tag keys and values)`,
          ]);
        }
      }
    });
    if (current.databases.length > 0) done.push(current);
    return done.map((d, i) => {
      const content = JSON.stringify({ plans: d.plans });
      return {
        name: done.length > 1 ? `${this.plan.name}-backup-policy-${i + 1}` : `${this.plan.name}-backup-policy`,
        content,
        size: content.length,
        planNames: Object.keys(d.plans).filter((k) => !k.startsWith('@@')),
        databases: d.databases,
      };
    });
  }

  private planNode(rules: RuleSpec[]): Node {
    return {
      ...LOCKED,
      regions: assign([this.plan.primaryRegion]),
      rules: Object.fromEntries(rules.map((r) => [r.name, this.rule(r)])),
      selections: { resources: {} },
      backup_plan_tags: {
        plan: { tag_key: assign('cdk-database-dr:plan'), tag_value: assign(this.plan.name) },
      },
    };
  }

  private rule(r: RuleSpec): Node {
    const lifecycle = { delete_after_days: assign(String(r.deleteAfterDays)) };
    const targets = [`arn:${this.partition}:backup:${this.plan.drRegion}:$account:backup-vault:${this.drVaultName}`];
    if (this.plan.drVaultArn) targets.push(this.plan.drVaultArn);
    return {
      schedule_expression: assign(r.schedule),
      start_backup_window_minutes: assign(String(this.startWindow)),
      complete_backup_window_minutes: assign(String(this.completionWindow)),
      ...(r.continuous ? { enable_continuous_backup: assign(true) } : {}),
      target_backup_vault_name: assign(this.vaultName),
      lifecycle,
      copy_actions: Object.fromEntries(targets.map((arn) => [arn, { target_backup_vault_arn: assign(arn), lifecycle }])),
    };
  }

  private selection(db: DatabaseConfig): Node {
    const resource = db.deployment === DeploymentKind.AURORA ? 'cluster' : 'db';
    return {
      iam_role_arn: assign(this.roleArn),
      resource_types: assign([`arn:${this.partition}:rds:*:*:${resource}:*`]),
      conditions: {
        string_equals: Object.fromEntries(Object.entries(db.selectionTags).map(([key, value], i) => [
          `tag${i + 1}`, { condition_key: assign(`aws:ResourceTag/${key}`), condition_value: assign(value) },
        ])),
      },
    };
  }
}
