/**
 * Which database stack each database of the plan goes to. By default the databases fill stacks
 * in plan order up to a resource budget, each counted by an upper bound of the resources it adds
 * to its database stack (its runners' task definitions and schedules, roles, selections, drill),
 * so a stack of light databases (RDS with AWS Backup) holds many and a stack of heavy ones
 * (self-managed PostgreSQL with pgBackRest, a dump and a drill) fewer, each under
 * CloudFormation's 500 resources. Adding a database at the end of the plan never moves another.
 * With `databasesPerStack`, a fixed count per stack instead.
 */
import { DatabaseAssessment, DeploymentKind } from '../plan';
import { BackupRunner, RunnerEngine } from '../runner';
import { AWS_BACKUP_TIERS, deployedRunnerKind, logicalRunnerSchedules, runnerEngines } from './compile-database';

/**
 * Resources a database stack holds besides its databases' own (at most, the example's mix: the
 * stack's runner infrastructure and scheduler role, restore verification and baseline capture
 * functions, measured-RPO function, backup plans, runbook documents, dashboard and alarms).
 */
export const DATABASE_STACK_SHARED_RESOURCES = 70;

/** Default resource budget of a database stack: CloudFormation's 500 less the shared resources and a margin. */
export const DEFAULT_RESOURCES_PER_STACK = 500 - DATABASE_STACK_SHARED_RESOURCES - 20;

/**
 * Template bytes the databases of one stack may add: the guard's 1,000,000 (CloudFormation's limit
 * for a template uploaded from S3, as the synthesized file measures it) less about 150 KB for what
 * the stack shares.
 */
export const DATABASE_STACK_BYTES_BUDGET = 850_000;

/**
 * An upper bound of the template bytes one database adds to its database stack, from its resource
 * estimate: 2,400 per resource (task definitions and policies are the largest, about 2,300 each as
 * synthesized) and 2,000 for its dashboard widgets.
 */
export function estimateDatabaseBytes(a: DatabaseAssessment, hasVpc: boolean): number {
  return bytesOf(estimateDatabaseResources(a, hasVpc));
}

function bytesOf(resources: number): number {
  return 2_400 * resources + 2_000;
}

/**
 * An upper bound of the resources one database adds to its database stack, from the tiers the
 * plan decided for it and the runners the DR app deploys for them (compile-database.ts);
 * test/app/stack-packing.test.ts checks it against the synthesized stacks.
 */
export function estimateDatabaseResources(a: DatabaseAssessment, hasVpc: boolean): number {
  const db = a.database;
  // A selection, and the shared backup plan when its objectives are new to the stack.
  let n = a.tiers.some((t) => AWS_BACKUP_TIERS.includes(t.kind)) ? 2 : 0;
  // Its share of the restore verification's selection.
  if (db.verification && hasVpc && db.deployment !== DeploymentKind.SELF_MANAGED) n += 1;
  let runners = 0;
  for (const engine of runnerEngines(a.tiers)) {
    const kind = deployedRunnerKind(db, engine, hasVpc);
    if (kind === 'logical') {
      // A task definition and a schedule per job; a restore task definition for the runbooks.
      n += 2 * logicalRunnerSchedules(db, engine).length + 1;
    } else if (kind === 'pgbackrest') {
      // A task definition and a schedule per default job; the cipher secret, the host's policy
      // and its two parameters.
      n += 2 * BackupRunner.defaultSchedules(RunnerEngine.PGBACKREST).length + 4;
    }
    if (kind) runners++;
  }
  // The database's backup and expire roles (their policies are the stack's, shared by the
  // databases of the same kind through a principal tag: DatabasePolicyPool).
  if (runners > 0) n += 2;
  // A drill: its task definition, schedule and role (its policy shared the same way).
  if (db.verification && db.deployment === DeploymentKind.SELF_MANAGED && runners > 0) n += 3;
  // A margin for what a database may add besides (an output, an imported secret's policy).
  return n + 1;
}

/**
 * The databases in stacks, in plan order: a new stack when the next database's estimate would
 * take the stack over `budget` resources or `bytesBudget` template bytes. A database heavier than
 * a whole budget gets a stack of its own.
 */
export function packDatabases(assessments: DatabaseAssessment[], hasVpc: boolean, budget: number, bytesBudget = DATABASE_STACK_BYTES_BUDGET): DatabaseAssessment[][] {
  const groups: DatabaseAssessment[][] = [];
  let used = 0;
  let bytes = 0;
  for (const a of assessments) {
    const weight = estimateDatabaseResources(a, hasVpc);
    const size = bytesOf(weight);
    if (groups.length === 0 || used + weight > budget || bytes + size > bytesBudget) {
      groups.push([]);
      used = 0;
      bytes = 0;
    }
    groups[groups.length - 1].push(a);
    used += weight;
    bytes += size;
  }
  return groups;
}

/** Databases in stacks of `perStack` each, in plan order. */
export function groupByCount(assessments: DatabaseAssessment[], perStack: number): DatabaseAssessment[][] {
  const groups: DatabaseAssessment[][] = [];
  assessments.forEach((a, i) => (groups[Math.floor(i / perStack)] ??= []).push(a));
  return groups;
}
