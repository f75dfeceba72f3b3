/**
 * The identities of one database's runners, shared by all of them (e.g. its pg_dump and its
 * pgBackRest runner): each runner grants them its own bucket folders only, so one database's
 * roles never reach another database's backups.
 */
import { Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DatabasePolicyPool } from './database-policy-pool';
import { DatabaseRole } from './database-role';
import { ManagedPolicyRole } from './managed-policy-role';

/** Properties of {@link RunnerRoles}. */
export interface RunnerRolesProps {
  /** The database whose runners take these roles (named in their descriptions). */
  readonly database: string;
  /**
   * IAM path of the backup and expire roles, e.g. a RunnerInfrastructure's `taskRolePath`, whose
   * shared scheduler role may pass exactly the roles under it.
   * @default '/'
   */
  readonly path?: string;
  /**
   * The role EventBridge Scheduler starts this database's runner tasks with, e.g. a
   * RunnerInfrastructure's shared `schedulerRole`.
   * @default - a new role for this database's schedules
   */
  readonly schedulerRole?: iam.IRole;
  /**
   * The pool of managed policies the backup and expire roles share with the same roles of the
   * stack's other databases (e.g. a RunnerInfrastructure's `databasePolicies`): each role is tagged
   * with its database and the shared statements name its folders through that tag.
   * @default - each role has a managed policy of its own
   */
  readonly policyPool?: DatabasePolicyPool;
}

/**
 * One database's runner identities: give `backupRole`, `expireRole` and `schedulerRole` to each
 * BackupRunner of that database. Never give them to another database's runner.
 */
export class RunnerRoles extends Construct {
  /** Identity of the backup, verify and check tasks: write and read its folders, never delete. */
  public readonly backupRole: iam.IRole;
  /** Identity of the expire tasks: delete markers and reads in its folders only. */
  public readonly expireRole: iam.IRole;
  /** Identity EventBridge Scheduler uses to start this database's runner tasks. */
  public readonly schedulerRole: iam.IRole;
  /** The database. */
  public readonly database: string;

  constructor(scope: Construct, id: string, props: RunnerRolesProps) {
    super(scope, id);
    this.database = props.database;
    const assumedBy = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');
    const path = props.path;
    const role = (id: string, description: string): iam.Role => (props.policyPool
      ? new DatabaseRole(this, id, { assumedBy, path, description, database: props.database, policyPool: props.policyPool })
      : new ManagedPolicyRole(this, id, { assumedBy, path, description }));
    this.backupRole = role('BackupRole', `Backup runners of ${props.database}: write and read its backups, never delete`);
    this.expireRole = role('ExpireRole', `Backup runners of ${props.database}: expire its backups with delete markers only`);
    this.schedulerRole = props.schedulerRole ?? new ManagedPolicyRole(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: `Backup runners of ${props.database}: EventBridge Scheduler starts the runner tasks`,
    });
  }
}
