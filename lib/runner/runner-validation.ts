/**
 * Validation of a runner's props: database name, Fargate sizes, retries, schedules and secrets.
 * Every function returns all problems found, each naming the field and the value.
 */
import { Token } from 'aws-cdk-lib';
import { BACKUP_TYPES, HOST_SIDE_ENGINES, RunnerEngine, scheduleProblems } from './runner-engine';
import { BackupRunnerProps } from './runner-props';

/** Valid Fargate CPU → memory (MiB) ranges: [min, max, step]. */
const FARGATE_MEMORY: Record<number, [number, number, number]> = {
  256: [512, 2048, 1024], 512: [1024, 4096, 1024], 1024: [2048, 8192, 1024], 2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024], 8192: [16384, 61440, 4096], 16384: [32768, 122880, 8192],
};
const DATABASE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The engine and database name of a runner, created or imported. */
export function identityProblems(engine: RunnerEngine, database: string): string[] {
  const problems: string[] = [];
  if (!Token.isUnresolved(database) && !DATABASE_RE.test(database)) {
    problems.push(`database must be 1-128 letters, digits, '_', '.' or '-', got ${JSON.stringify(database)}`);
  }
  if (!BACKUP_TYPES[engine]) problems.push(`engine must be one of ${Object.values(RunnerEngine).join(', ')}, got ${JSON.stringify(engine)}`);
  return problems;
}

/** Every problem of a Fargate runner's props. */
export function runnerProblems(props: BackupRunnerProps): string[] {
  const problems = identityProblems(props.engine, props.database);
  if (HOST_SIDE_ENGINES.includes(props.engine)) {
    problems.push(`engine: ${props.engine} cannot run in a Fargate task: it reads the database's InnoDB data files, so the runner CLI must run `
      + 'on the database host itself (a systemd timer or SSM Run Command, see runner/src/engines/mariabackup/README.md); '
      + 'monitor that runner with BackupRunner.fromBackupRunnerAttributes');
  }
  const cpu = props.cpu ?? 1024;
  const mem = props.memoryLimitMiB ?? 2048;
  const range = FARGATE_MEMORY[cpu];
  if (!range) problems.push(`cpu must be one of ${Object.keys(FARGATE_MEMORY).join(', ')}, got ${cpu}`);
  else if (mem < range[0] || mem > range[1] || (mem - range[0]) % range[2] !== 0) {
    problems.push(`memoryLimitMiB must be ${range[0]}-${range[1]} in steps of ${range[2]} for cpu ${cpu}, got ${mem}`);
  }
  if (props.ephemeralStorageGiB !== undefined && (props.ephemeralStorageGiB < 21 || props.ephemeralStorageGiB > 200)) {
    problems.push(`ephemeralStorageGiB must be 21-200, got ${props.ephemeralStorageGiB}`);
  }
  if (props.retryAttempts !== undefined && (!Number.isInteger(props.retryAttempts) || props.retryAttempts < 0 || props.retryAttempts > 185)) {
    problems.push(`retryAttempts must be an integer from 0 to 185, got ${props.retryAttempts}`);
  }
  const age = props.maximumEventAge;
  if (age && !age.isUnresolved() && (age.toSeconds() < 60 || age.toSeconds() > 86400)) {
    problems.push(`maximumEventAge must be 60 seconds to 24 hours, got ${age.toSeconds()} seconds`);
  }
  if (props.retainCount !== undefined && (!Number.isInteger(props.retainCount) || props.retainCount < 1)) {
    problems.push(`retainCount must be a positive integer, got ${props.retainCount}`);
  }
  problems.push(...scheduleProblems(props.engine, props.schedules));
  for (const s of props.secrets ?? []) {
    if (props.environment && s.environmentVariable in props.environment) {
      problems.push(`secrets: ${s.environmentVariable} is also set in environment; a secret must only come from Secrets Manager`);
    }
  }
  for (const name of Object.keys(props.environment ?? {})) {
    if (/PASSWORD|PASSPHRASE|SECRET|CIPHER_PASS|_KEY$/.test(name)) {
      problems.push(`environment.${name} looks like a secret; pass it in secrets (Secrets Manager), never as a plain environment variable`);
    }
  }
  return problems;
}
