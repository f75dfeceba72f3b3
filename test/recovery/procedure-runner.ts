/**
 * Runs the steps of a recovery procedure (runtime/recovery) the way an operator would: runner
 * commands through the bundled runner CLI, shell lines through bash, each with the procedure's
 * parameters substituted. The recovery tests use nothing else to restore.
 */
import { spawnSync } from 'node:child_process';
import { parameterValues, RecoveryProcedure, RecoveryStep, substitute, substituteArgv } from '../../runtime/recovery';
import { runRunner, RunResult } from '../runner/support/run-runner';

export interface StepRun {
  readonly step: string;
  readonly line: string;
  /** Runner commands: the runner's result. */
  readonly runner?: RunResult;
  /** Shell lines: exit status and output. */
  readonly status?: number | null;
  readonly stdout?: string;
  readonly stderr?: string;
}

export interface StepOptions {
  /** Environment of runner commands (secrets: RUNNER_TARGET_PASSWORD, ...). */
  readonly runnerEnv?: Record<string, string>;
  /** Environment of shell lines added to PATH/HOME (PGPASSWORD, MYSQL_PWD). */
  readonly shellEnv?: Record<string, string>;
  /** Working directory of shell lines (by-hand copies land here). */
  readonly cwd?: string;
}

/** The step of a procedure by id (a test fails loudly when the procedure lost it). */
export function step(p: RecoveryProcedure, id: string, byHand = false): RecoveryStep {
  const s = (byHand ? p.byHand : p.steps).find((x) => x.id === id);
  if (!s) throw new Error(`procedure ${p.kind} of ${p.database} has no ${byHand ? 'by-hand ' : ''}step ${id}`);
  return s;
}

/**
 * Runs every command of a step with the given parameter values (defaults filled in, unknown or
 * missing parameters refused). Runner commands run only when the command is the runner itself
 * (ECS run-task lines of the same step are the AWS-side way to start it and are skipped here).
 */
export async function runStep(p: RecoveryProcedure, s: RecoveryStep, given: Record<string, string>, opts: StepOptions = {}): Promise<StepRun[]> {
  const values = parameterValues(p, given);
  const out: StepRun[] = [];
  for (const c of s.commands) {
    if (c.argv && c.argv[0] === 'aws') continue;
    if (c.argv && c.argv[0] === 'runner') {
      const argv = substituteArgv(c.argv, values);
      out.push({ step: s.id, line: argv.join(' '), runner: await runRunner(argv.slice(1), opts.runnerEnv ?? {}) });
      continue;
    }
    const line = substitute(c.line, values);
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', line], {
      cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...(opts.shellEnv ?? {}) },
    });
    out.push({ step: s.id, line, status: r.status, stdout: r.stdout, stderr: r.stderr });
    if (r.status !== 0) break;
  }
  return out;
}

/** Fails with the command and its output unless every command of the run succeeded. */
export function expectSucceeded(runs: readonly StepRun[]): void {
  for (const r of runs) {
    const code = r.runner ? r.runner.code : r.status;
    if (code !== 0) {
      throw new Error(`step ${r.step} failed (exit ${code}): ${r.line}\n${r.runner ? r.runner.stdout + r.runner.stderr : `${r.stdout}\n${r.stderr}`}`);
    }
  }
}
