/**
 * The compliance-pack findings a BackupRunner acknowledges, each with the reason it does not apply.
 */
import { aws_ecs as ecs, aws_iam as iam, aws_sqs as sqs } from 'aws-cdk-lib';
import { acknowledge, acknowledgeWildcardResource } from '../storage/acknowledgements';
import { IBackupBucket } from '../storage/backup-bucket';
import { PgBackRestSettings, repositoryPrefixes } from '../../runtime/pgbackrest/config';
import { DatabaseRole } from './database-role';
import { ManagedPolicyRole } from './managed-policy-role';

/** The parts of a runner whose findings are acknowledged. */
export interface RunnerFindingScope {
  /** The backup bucket the roles reach. */
  readonly bucket: IBackupBucket;
  /** The runner's task definitions. */
  readonly taskDefinitions: ecs.TaskDefinition[];
  /**
   * The schedules' dead-letter queue, when the runner created it.
   * @default - a shared queue: acknowledged by its owner
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Backup and expire roles (a DatabaseRole's acknowledgements go to its shared policy). */
  readonly dataRoles: Array<ManagedPolicyRole | DatabaseRole>;
  /** The bucket folders the data roles reach. */
  readonly keyPrefixes: string[];
  /**
   * The tasks' execution role, when the runner created it.
   * @default - a shared role: acknowledged by its owner
   */
  readonly executionRole?: ManagedPolicyRole;
  /**
   * The database host's policy.
   * @default - none (not pgBackRest)
   */
  readonly databaseHostPolicy?: iam.ManagedPolicy;
  /**
   * The pgBackRest settings the host's policy was rendered from.
   * @default - none (not pgBackRest)
   */
  readonly pgBackRest?: PgBackRestSettings;
}

/** Acknowledges the runner's findings that do not apply, each with its reason. */
export function acknowledgeRunnerFindings(s: RunnerFindingScope): void {
  for (const td of s.taskDefinitions) {
    acknowledge(td, [
      ['AwsSolutions-ECS2', 'The environment holds only non-secret runner settings (engine, database name, bucket, prefix, pgBackRest settings without secrets); every secret comes from Secrets Manager as an ECS secret.'],
    ]);
  }
  if (s.deadLetterQueue) acknowledgeDeadLetterQueue(s.deadLetterQueue);
  const objectsReason = 'Backup objects are named by the runner and the backup tool at run time (one key per object, WAL segment or manifest) inside this database\'s own folder; the actions on them are fixed: no delete for the backup role, only DeleteObject (delete markers) for the expire role.';
  for (const role of s.dataRoles) {
    for (const prefix of s.keyPrefixes) {
      const objects = s.bucket.bucket.arnForObjects(`${prefix}/*`);
      if (role instanceof DatabaseRole) role.acknowledgeWildcardResource(objects, `${objectsReason} A shared policy names the folder through the role's own database tag.`);
      else if (role.managedPolicy) acknowledgeWildcardResource(role.managedPolicy, objects, objectsReason);
    }
  }
  if (s.executionRole) acknowledgeExecutionRole(s.executionRole);
  if (s.databaseHostPolicy && s.pgBackRest) {
    const { archive } = repositoryPrefixes(s.pgBackRest);
    acknowledgeWildcardResource(s.databaseHostPolicy, s.bucket.bucket.arnForObjects(`${archive}/*`),
      'One object per WAL segment, named by pgBackRest at run time; the wildcard stops at this stanza\'s archive folder and the actions are put and get only.');
  }
}

/** The dead-letter queue of runner schedules is not given a dead-letter queue of its own. */
export function acknowledgeDeadLetterQueue(queue: sqs.IQueue): void {
  acknowledge(queue, [
    ['AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the runner schedules.'],
  ]);
}

/** ecr:GetAuthorizationToken has no resource-level permissions. */
export function acknowledgeExecutionRole(role: ManagedPolicyRole): void {
  if (!role.managedPolicy) return;
  acknowledge(role.managedPolicy, [['AwsSolutions-IAM5[Resource::*]',
    'ecr:GetAuthorizationToken, which the execution role needs to pull the image, has no resource-level permissions; every other statement names its repository, log group or secret.']]);
}

/** The shared scheduler role names task definitions and task roles by pattern, each bounded by a condition or a path. */
export function acknowledgeSharedSchedulerRole(policy: iam.ManagedPolicy, taskDefinitions: string, taskRoles: string): void {
  acknowledgeWildcardResource(policy, taskDefinitions,
    'ecs:RunTask is limited to this cluster by the ecs:cluster condition, and a task can only start with a role this policy may pass: the runner roles under its path and the execution role.');
  acknowledgeWildcardResource(policy, taskRoles,
    'iam:PassRole to ECS tasks only, of the roles under this infrastructure\'s runner path: the backup, expire and drill roles of its databases, which are created with that path and none of which can delete backups.');
}
