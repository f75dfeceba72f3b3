/**
 * Timing and memory measurement for the runner benchmark: runs a command (argv, or a shell
 * pipeline) as a child, polls /proc for the peak resident memory of the top process (VmHWM, the
 * kernel's own high-water mark) and of its whole process tree, and returns wall time.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface RunResult {
  readonly name: string;
  readonly seconds: number;
  /** Peak RSS of the top process (VmHWM), in bytes. */
  readonly peakRssBytes: number;
  /** Largest sum of VmRSS over the process tree seen while polling, in bytes. */
  readonly peakTreeRssBytes: number;
  readonly stdout: string;
  readonly stderr: string;
  /** CPU time the whole machine spent busy (user + system + irq, all CPUs) while the step ran. */
  readonly machineCpuSeconds: number;
  /** CPU time of each watched long-running process (e.g. the S3 server) while the step ran, by name. */
  readonly watchedCpuSeconds: Readonly<Record<string, number>>;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Fail unless the exit code is 0. @default true */
  readonly check?: boolean;
  /** Poll interval for /proc. @default 50 ms */
  readonly pollMs?: number;
  /** Long-running processes (not children of the step) whose CPU time the step makes them spend, by name. */
  readonly watch?: Readonly<Record<string, number>>;
}

/** Clock ticks per second of /proc times (USER_HZ; 100 on Linux builds). */
const TICKS = 100;

/** Busy ticks of all CPUs: everything in the /proc/stat cpu line except idle and iowait. */
function machineBusyTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return f.reduce((a, b) => a + b, 0) - f[3] - f[4];
}

/** Machine CPU seconds spent since the call, read when the returned function is called. */
export function machineCpuSince(): () => number {
  const before = machineBusyTicks();
  return () => (machineBusyTicks() - before) / TICKS;
}

/** utime + stime + cutime + cstime of a process (its waited-for children included), in ticks. */
function processTicks(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
}

function statusKb(pid: number, field: string): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of pid (children listed by the kernel per thread). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let tasks: string[] = [];
    try { tasks = readdirSync(`/proc/${p}/task`); } catch { continue; }
    for (const t of tasks) {
      let kids = '';
      try { kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8'); } catch { continue; }
      for (const k of kids.split(/\s+/).filter(Boolean)) {
        out.push(Number(k));
        stack.push(Number(k));
      }
    }
  }
  return out;
}

export async function measure(name: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const watch = Object.entries(opts.watch ?? {});
  const watchedBefore = watch.map(([, pid]) => processTicks(pid));
  const busyBefore = machineBusyTicks();
  const start = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); if (stdout.length > 4_000_000) stdout = stdout.slice(-2_000_000); });
  child.stderr.on('data', (d) => { stderr += String(d); if (stderr.length > 4_000_000) stderr = stderr.slice(-2_000_000); });
  let peak = 0;
  let treePeak = 0;
  const poll = () => {
    if (!child.pid) return;
    peak = Math.max(peak, statusKb(child.pid, 'VmHWM'));
    const tree = [child.pid, ...descendants(child.pid)].reduce((sum, p) => sum + statusKb(p, 'VmRSS'), 0);
    treePeak = Math.max(treePeak, tree);
  };
  const timer = setInterval(poll, opts.pollMs ?? 50);
  const code: number | null = await new Promise((resolve, reject) => {
    child.on('error', reject);
    // VmHWM only grows, so the last poll before exit is at most one interval behind the true peak.
    child.on('close', (c) => resolve(c));
  });
  clearInterval(timer);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const machineCpuSeconds = (machineBusyTicks() - busyBefore) / TICKS;
  const watchedCpuSeconds = Object.fromEntries(watch.map(([name, pid], i) => [name, (processTicks(pid) - watchedBefore[i]) / TICKS]));
  if ((opts.check ?? true) && code !== 0) {
    throw new Error(`${name} failed with exit code ${code}:\n${stderr.slice(-3000)}\n${stdout.slice(-3000)}`);
  }
  return { name, seconds, peakRssBytes: peak * 1024, peakTreeRssBytes: treePeak * 1024, stdout, stderr, machineCpuSeconds, watchedCpuSeconds };
}

/** Runs a bash pipeline with pipefail, so a failure anywhere in it fails the step. */
export function measureShell(name: string, script: string, opts: RunOptions = {}): Promise<RunResult> {
  return measure(name, ['bash', '-o', 'pipefail', '-c', script], opts);
}
