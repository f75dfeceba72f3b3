/**
 * Child processes: the only way engines run tools. Argv is logged redacted, the environment is a
 * minimal base plus what the engine passes explicitly (so the runner's own secrets and AWS
 * credentials do not leak into every tool), and every child is killed when the job is aborted.
 */
import { ChildProcess, spawn, StdioOptions } from 'node:child_process';
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
    const child = spawn(spec.cmd, [...spec.args], { env: this.childEnv(spec.env), cwd: spec.cwd, stdio });
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
