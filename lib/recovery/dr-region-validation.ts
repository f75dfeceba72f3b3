/**
 * The contracts and checks of DR-region recovery: the actions no recovery identity may ever be
 * allowed, the runner's restore-target variables, the ports restore tasks reach, and the
 * problems of the construct's props (each naming its field and the bad value).
 */
import { Duration, Token, aws_events as events } from 'aws-cdk-lib';
import { cronIntervals, parseAwsCron } from '../plan/cron';
import { RunnerEngine } from '../runner/runner-engine';
import { findEngine } from '../../runtime/engines';
import type { DrRegionRecoveryProps, DrRestoreRunner, DrRestoreTest } from './dr-region-recovery';

/**
 * Denied to every identity of DR-region recovery, whatever else it is granted: deleting backups
 * or their versions, shortening or lifting Object Lock and Vault Lock, loosening the vault's or the
 * bucket's policy, lifecycle or replication, and disabling or deleting the keys that decrypt them.
 */
export const DR_RESTORE_DENIED_ACTIONS: readonly string[] = [
  's3:DeleteObject', 's3:DeleteObjectVersion', 's3:DeleteBucket', 's3:DeleteBucketPolicy',
  's3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration',
  's3:PutBucketPolicy', 's3:PutLifecycleConfiguration', 's3:PutBucketVersioning', 's3:PutReplicationConfiguration',
  'backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle', 'backup:DisassociateRecoveryPoint',
  'backup:DeleteBackupVault', 'backup:PutBackupVaultLockConfiguration', 'backup:DeleteBackupVaultLockConfiguration',
  'backup:PutBackupVaultAccessPolicy', 'backup:DeleteBackupVaultAccessPolicy',
  'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy',
];

/**
 * When DR restore tests start by default: twice a week, so that the alarm on "no completed restore
 * within 7 days" (the longest window CloudWatch evaluates) never fires between two passing tests.
 */
export const DR_RESTORE_TEST_SCHEDULE = events.Schedule.cron({ minute: '0', hour: '6', weekDay: 'SUN,WED' });

/** Time a restore test may take after it started, on top of its start window, before its completion counts as late. */
const RESTORE_ALLOWANCE_HOURS = 4;

/** The runner's restore-target variables (runner/src/core/common-options.ts; a test checks each name). */
export const DR_RESTORE_ENV = {
  targetHost: 'RUNNER_TARGET_HOST',
  targetPort: 'RUNNER_TARGET_PORT',
  targetUser: 'RUNNER_TARGET_USER',
  targetDb: 'RUNNER_TARGET_DB',
  targetPassword: 'RUNNER_TARGET_PASSWORD',
} as const;

/** The default server port each restore-task engine restores into (ingress of the restored-instance group). */
export const DR_RESTORE_PORTS: Partial<Record<string, number>> = {
  [RunnerEngine.PG_DUMP]: 5432,
  [RunnerEngine.MYSQLDUMP]: 3306,
  [RunnerEngine.MONGODUMP]: 27017,
};

/** The engines whose backups a DR restore task restores: logical engines the runner runs as a task. */
export function isDrRestoreTaskEngine(engine: string): boolean {
  const record = findEngine(engine);
  return record !== undefined && record.kind === 'logical' && record.placement === 'runner-task';
}

export function drRecoveryProblems(props: DrRegionRecoveryProps): string[] {
  const problems: string[] = [];
  if (!props.vault) problems.push('vault: the DR vault is required, got nothing');
  if (!props.replicaBucket) problems.push('replicaBucket: the replica bucket is required, got nothing');
  if (!props.alarmTopic) problems.push('alarmTopic: the DR stack\'s alarm topic is required (every alarm must reach a subscriber), got nothing');
  const hours = (d: Duration | undefined, field: string, min: number, max: number) => {
    if (d === undefined || d.isUnresolved()) return;
    const h = d.toHours({ integral: false });
    if (!Number.isInteger(h) || h < min || h > max) problems.push(`${field} must be whole hours from ${min} to ${max}, got ${d.toHumanString()}`);
  };
  const days = (d: Duration | undefined, field: string, min: number, max: number) => {
    if (d === undefined || d.isUnresolved()) return;
    const n = d.toDays({ integral: false });
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${field} must be whole days from ${min} to ${max}, got ${d.toHumanString()}`);
  };
  hours(props.startWindow, 'startWindow', 1, 168);
  hours(props.validationWindow, 'validationWindow', 1, 168);
  days(props.selectionWindow, 'selectionWindow', 1, 365);
  days(props.maxTimeWithoutSuccess, 'maxTimeWithoutSuccess', 1, 7);
  if (props.schedule && !props.schedule.expressionString.startsWith('cron(')) {
    problems.push(`schedule must be a cron schedule (restore testing plans take cron expressions), got '${props.schedule.expressionString}'`);
  } else if (problems.length === 0) {
    problems.push(...alarmWindowProblems(props));
  }
  if (props.restoreTestingPlanName !== undefined && !/^[A-Za-z0-9_]{1,50}$/.test(props.restoreTestingPlanName)) {
    problems.push(`restoreTestingPlanName must be 1–50 letters, digits or '_', got '${props.restoreTestingPlanName}'`);
  }
  if (props.alarmNamePrefix !== undefined && !/^[A-Za-z0-9_-]{1,100}$/.test(props.alarmNamePrefix)) {
    problems.push(`alarmNamePrefix must be 1–100 letters, digits, '-' or '_', got '${props.alarmNamePrefix}'`);
  }
  if (props.namePrefix !== undefined && !/^[A-Za-z0-9_-]{1,200}$/.test(props.namePrefix)) {
    problems.push(`namePrefix must be 1–200 letters, digits, '-' or '_', got '${props.namePrefix}'`);
  }
  if (props.vpcSubnets && !props.vpc) problems.push('vpcSubnets: given without vpc; give the VPC of the DR Region too');
  return problems;
}

/** The "no completed restore" alarm must not fire between two scheduled tests that both pass. */
function alarmWindowProblems(props: DrRegionRecoveryProps): string[] {
  const expression = (props.schedule ?? DR_RESTORE_TEST_SCHEDULE).expressionString;
  const window = props.maxTimeWithoutSuccess ?? Duration.days(7);
  const start = props.startWindow ?? Duration.hours(8);
  if (Token.isUnresolved(expression) || window.isUnresolved() || start.isUnresolved()) return [];
  const parsed = parseAwsCron(expression);
  if (!parsed.schedule) return parsed.problems.map((p) => `schedule '${expression}': ${p}`);
  const gaps = cronIntervals(parsed.schedule);
  if (!gaps) return [`schedule '${expression}' starts restore tests fewer than twice in the next 4 years`];
  const latest = gaps.maxGapMinutes + start.toMinutes() + RESTORE_ALLOWANCE_HOURS * 60;
  if (latest <= window.toMinutes()) return [];
  return [`maxTimeWithoutSuccess: ${window.toHumanString()} is shorter than the longest gap between two restore tests of schedule '${expression}' `
    + `(${Duration.minutes(gaps.maxGapMinutes).toHumanString()}) plus their start window (${start.toHumanString()}) and ${RESTORE_ALLOWANCE_HOURS} hours to restore: `
    + 'the alarm would fire between two tests that both pass; schedule restore tests more often (the default runs them on Sundays and Wednesdays) '
    + 'or lengthen the window (CloudWatch evaluates at most 7 days)'];
}

export function drRestoreRunnerProblems(r: DrRestoreRunner, existing: string[]): string[] {
  const problems: string[] = [];
  const at = `restoreRunners[${existing.length}]`;
  if (!r.database || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(r.database)) {
    problems.push(`${at}.database must be 1–63 letters, digits, '_', '.' or '-' starting with a letter or digit, got ${JSON.stringify(r.database)}`);
  } else if (existing.includes(r.database)) {
    problems.push(`${at}.database: "${r.database}" already has a DR restore task`);
  }
  if (!isDrRestoreTaskEngine(r.engine)) {
    problems.push(`${at}.engine: "${r.engine}" of "${r.database}" does not restore from a task; give pg-dump, mysqldump or mongodump `
      + '(physical engines such as pgbackrest and mariabackup restore on the DR database host with the runner CLI)');
  }
  if (r.ephemeralStorageGiB !== undefined && !Token.isUnresolved(r.ephemeralStorageGiB)
    && (!Number.isInteger(r.ephemeralStorageGiB) || r.ephemeralStorageGiB < 21 || r.ephemeralStorageGiB > 200)) {
    problems.push(`${at}.ephemeralStorageGiB of "${r.database}" must be a whole number from 21 to 200, got ${r.ephemeralStorageGiB}`);
  }
  if (r.targetDatabaseName !== undefined && r.targetDatabaseName.trim() === '') {
    problems.push(`${at}.targetDatabaseName of "${r.database}" must not be empty`);
  }
  return problems;
}

/** The problems of a restore test, `existing` being the names of the restore tests added before it. */
export function drRestoreTestProblems(t: DrRestoreTest, existing: string[]): string[] {
  const problems: string[] = [];
  const at = `restoreTests[${existing.length}]`;
  if (!t.name || t.name.trim() === '') problems.push(`${at}.name must not be empty, got ${JSON.stringify(t.name)}`);
  else if (existing.includes(t.name)) problems.push(`${at}.name: "${t.name}" already has a DR restore test`);
  if (!t.database) problems.push(`${at}.database is required (the RDS instance or Aurora cluster whose copies are in the DR vault)`);
  return problems;
}
