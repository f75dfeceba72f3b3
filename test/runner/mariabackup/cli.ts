/** Runs the bundled runner CLI as the image does, and reads its JSON log / EMF lines. */
import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
let runnerJs: string | undefined;

/**
 * Bundles runner/src/main.ts the way scripts/bundle.mjs does, into a private folder: the shared
 * assets/runner/ is rebuilt (removed, then written) by every jest run's global setup, which would
 * race with this suite's child processes when several suites run at once.
 */
export function runnerBundle(): string {
  if (runnerJs && existsSync(runnerJs)) return runnerJs;
  const out = join(mkdtempSync(join(tmpdir(), 'runner-bundle-')), 'runner.js');
  buildSync({ entryPoints: [join(ROOT, 'runner', 'src', 'main.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', external: ['pg-native'], logLevel: 'error', legalComments: 'none' });
  runnerJs = out;
  return out;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed JSON lines of stdout (logs and EMF records). */
  readonly lines: Array<Record<string, unknown>>;
}

export async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [runnerBundle(), ...args], {
    // Only what a task would have: PATH and the variables given.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  child.stderr.on('data', (d) => { stderr += String(d); });
  const code: number | null = await new Promise((resolve) => child.on('close', resolve));
  const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stdout, stderr, lines };
}

/** The end-of-job EMF record (carries JobSuccess / JobFailure). */
export function outcome(r: CliResult): Record<string, unknown> {
  const rec = r.lines.find((l) => typeof l._aws === 'object' && ('JobSuccess' in l));
  if (!rec) throw new Error(`no job outcome metric in the output:\n${r.stdout}\n${r.stderr}`);
  return rec;
}

export function explain(r: CliResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout.slice(-6000)}\nstderr:\n${r.stderr.slice(-3000)}`;
}
