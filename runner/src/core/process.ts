/**
 * Child processes: the only way engines run tools. Argv is logged redacted, the environment is a
 * minimal base plus what the engine passes explicitly (so the runner's own secrets and AWS
 * credentials do not leak into every tool), and every child is killed when the job is aborted.
 */
import { ChildProcess, spawn, spawnSync, StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ErrorKind, RunnerError } from './errors';
import type { Logger } from './logger';
import type { Redactor } from './redact';

/** Environment variables children inherit from the runner; everything else must be passed explicitly. */
export const BASE_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

export interface ProcessSpec {
  /** Executable (resolved on PATH) or absolute path. */
  readonly cmd: string;
  readonly args: readonly string[];
  /** Added to the base environment: passwords go here (PGPASSWORD), never into args. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** What a failure of this process means; decides the exit code. Default 'database'. */
  readonly failureKind?: ErrorKind;
  /** Short name for messages (default: the command's base name). */
  readonly label?: string;
  /** stdin: 'ignore' (default), 'pipe' (write to RunningProcess.stdin), or a stream piped in. */
  readonly stdin?: 'ignore' | 'pipe' | Readable;
  /** stdout: 'pipe' (default; read RunningProcess.stdout) or 'ignore'. */
  readonly stdout?: 'pipe' | 'ignore';
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly label: string;
  readonly stdout: Readable | null;
  readonly stdin: Writable | null;
  /** Resolves on exit code 0; rejects with a RunnerError carrying the (redacted) stderr tail otherwise. */
  readonly done: Promise<void>;
  stderrTail(): string;
}

const STDERR_TAIL = 8192;
const KILL_GRACE_MS = 5000;

/** util-linux setpriv (in every Debian image): sets the parent-death signal, then execs the tool. */
const SETPRIV = '/usr/bin/setpriv';
let setprivOk: boolean | undefined;

function resolveOnPath(cmd: string, path: string): string | undefined {
  if (cmd.includes('/')) return existsSync(cmd) ? cmd : undefined;
  for (const dir of path.split(delimiter)) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

/**
 * The command line that makes a child die with the runner: Node cannot set PR_SET_PDEATHSIG
 * itself, so the child is started through `setpriv --pdeathsig SIGTERM`, which sets it and execs
 * the tool (same pid). A `kill -9` of the runner then sends SIGTERM to each child at once, so no
 * orphaned pgBackRest keeps the stanza lock and no dump keeps its database session. Without
 * setpriv (or for a command not found, whose ENOENT must stay visible) the command is unchanged.
 */
export function withParentDeathSignal(cmd: string, args: readonly string[], path = process.env.PATH ?? ''): [string, string[]] {
  const w = parentDeathCommand(cmd, args, { path });
  return [w.cmd, w.args];
}

/**
 * Like withParentDeathSignal; with `user`, setpriv also switches to that user (and its groups)
 * before it sets the signal: the kernel clears a parent-death signal when a process changes its
 * own credentials (a server's --user), so the switch must happen first. `wrapped` tells whether
 * setpriv is used (when false, the caller must switch users itself).
 */
export function parentDeathCommand(cmd: string, args: readonly string[], opts: { path?: string; user?: string } = {}): { cmd: string; args: string[]; wrapped: boolean } {
  setprivOk ??= existsSync(SETPRIV) && spawnSync(SETPRIV, ['--pdeathsig', 'SIGTERM', '--', 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  const resolved = setprivOk ? resolveOnPath(cmd, opts.path ?? process.env.PATH ?? '') : undefined;
  if (!resolved) return { cmd, args: [...args], wrapped: false };
  const user = opts.user ? ['--reuid', opts.user, '--regid', opts.user, '--init-groups'] : [];
  return { cmd: SETPRIV, args: [...user, '--pdeathsig', 'SIGTERM', '--', resolved, ...args], wrapped: true };
}

export class ProcessRunner {
  constructor(private readonly log: Logger, private readonly redactor: Redactor, private readonly signal: AbortSignal) {}

  /** The environment a child gets: the base keys from our environment plus `extra`. */
  childEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of BASE_ENV_KEYS) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    return { ...env, ...extra };
  }

  start(spec: ProcessSpec): RunningProcess {
    const label = spec.label ?? spec.cmd.split('/').pop()!;
    const kind = spec.failureKind ?? 'database';
    if (this.signal.aborted) throw this.signal.reason;
    this.log.info('starting process', { process: label, argv: [spec.cmd, ...spec.args].map((a) => this.redactor.redact(a)),
      envKeys: Object.keys(spec.env ?? {}) });
    const stdinOpt = spec.stdin === undefined || spec.stdin === 'ignore' ? 'ignore' : 'pipe';
    const stdio: StdioOptions = [stdinOpt, spec.stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'];
    const env = this.childEnv(spec.env);
    const [cmd, args] = withParentDeathSignal(spec.cmd, spec.args, env.PATH ?? '');
    const child = spawn(cmd, args, { env, cwd: spec.cwd, stdio });
    let tail = '';
    child.stderr?.on('data', (d: Buffer) => {
      tail = (tail + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    let inputError: Error | undefined;
    if (spec.stdin && typeof spec.stdin !== 'string') {
      // A failing input (download error, hash mismatch) must fail the process run even if the tool exits 0 on EOF.
      spec.stdin.on('error', (e) => { inputError ??= e; child.stdin?.destroy(); });
      child.stdin?.on('error', () => { /* the child closed its input early; its exit code tells why */ });
      spec.stdin.pipe(child.stdin!);
    }
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        killTimer.unref();
      }
    };
    this.signal.addEventListener('abort', onAbort, { once: true });
    const stderrTail = () => this.redactor.redact(tail.trim());
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        this.signal.removeEventListener('abort', onAbort);
        reject(e.code === 'ENOENT'
          ? new RunnerError('config', `${label}: ${spec.cmd} is not installed (not found on PATH)`)
          : new RunnerError(kind, `${label} could not be started: ${e.message}`));
      });
      child.on('close', (code, sig) => {
        this.signal.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        if (this.signal.aborted) return reject(this.signal.reason);
        if (inputError) {
          return reject(inputError instanceof RunnerError ? inputError : new RunnerError('storage', `${label}: its input failed: ${inputError.message}`));
        }
        if (code === 0) {
          this.log.debug('process finished', { process: label });
          return resolve();
        }
        const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
        const t = stderrTail();
        reject(new RunnerError(kind, `${label} ${how}${t ? `: ${lastLines(t, 12)}` : ''}`));
      });
    });
    done.catch(() => { /* observed by the caller; avoid an unhandled rejection when it awaits something else first */ });
    return { child, label, stdout: child.stdout, stdin: child.stdin, done, stderrTail };
  }

  /** Runs to completion and returns stdout (bounded to 64 MiB) as text. */
  async run(spec: ProcessSpec): Promise<string> {
    const p = this.start(spec);
    const chunks: Buffer[] = [];
    let size = 0;
    p.stdout?.on('data', (d: Buffer) => {
      if (size < 64 * 1024 * 1024) { chunks.push(d); size += d.length; }
    });
    await p.done;
    return Buffer.concat(chunks).toString('utf8');
  }
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}
