/**
 * Runs the runner CLI the way the image does: the bundled assets/runner/runner.js (built by the jest
 * global setup) as a child process. Other runner test folders import these helpers.
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent } from 'node:https';
import { join } from 'node:path';
import type { S3Server } from '../../support/servers';

const ROOT = join(__dirname, '..', '..', '..');
let bundled: string | undefined;

/**
 * The runner bundled exactly like scripts/bundle.mjs does, but into a private temporary folder:
 * several test workers (and helpers) rebundle assets/ concurrently, which deletes assets/runner/
 * under a running test.
 */
export function runnerBundle(): string {
  if (bundled && existsSync(bundled)) return bundled;
  const dir = mkdtempSync(join(tmpdir(), 'runner-bundle-'));
  const out = join(dir, 'runner.js');
  execFileSync(process.execPath, ['-e', `require('esbuild').buildSync({ entryPoints: [${JSON.stringify(join(ROOT, 'runner', 'src', 'main.ts'))}],
    outfile: ${JSON.stringify(out)}, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['pg-native'], logLevel: 'error' })`],
  { cwd: ROOT, stdio: 'inherit' });
  bundled = out;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return out;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every stdout line parsed as JSON (all runner output is JSON lines). */
  readonly lines: Record<string, unknown>[];
  /** Log lines (those with `level`). */
  readonly logs: Record<string, unknown>[];
  /** EMF lines (those with `_aws`). */
  readonly metrics: Record<string, unknown>[];
}

export interface RunningRunner {
  readonly child: ChildProcess;
  readonly result: Promise<RunResult>;
  /** Resolves with the first stdout JSON line matching the predicate (rejects if the process ends first). */
  waitForLine(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts the runner; env is the complete environment besides PATH and HOME (nothing else is inherited). */
export function startRunner(args: string[], env: Record<string, string> = {}): RunningRunner {
  const child = spawn(process.execPath, [runnerBundle(), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
    partial += d.toString('utf8');
    let i: number;
    while ((i = partial.indexOf('\n')) >= 0) {
      const text = partial.slice(0, i);
      partial = partial.slice(i + 1);
      if (!text.trim()) continue;
      let line: Record<string, unknown>;
      try { line = JSON.parse(text); } catch { line = { unparsed: text }; }
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    }
  });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
  const result = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr, lines, logs: lines.filter((l) => 'level' in l), metrics: lines.filter((l) => '_aws' in l) });
    });
  });
  return {
    child,
    result,
    waitForLine(pred, timeoutMs = 120000) {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching runner line after ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => { clearTimeout(t); resolve(l); } });
        result.then((r) => { clearTimeout(t); reject(new Error(`runner exited (${r.code}) before the expected line; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`)); });
      });
    },
  };
}

export async function runRunner(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return startRunner(args, env).result;
}

/** The job's end-of-job EMF line (the one with JobSuccess/JobFailure). */
export function outcome(r: RunResult): Record<string, unknown> {
  const m = r.metrics.filter((l) => 'JobFailure' in l);
  if (m.length !== 1) throw new Error(`expected exactly one outcome metric line, got ${m.length}:\n${r.stdout}\n${r.stderr}`);
  return m[0];
}

/** Environment for the runner to use a test S3 server (credentials as the default provider chain reads them). */
export function s3Env(s3: S3Server, bucket: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    RUNNER_S3_BUCKET: bucket,
    RUNNER_S3_ENDPOINT: s3.endpoint,
    RUNNER_S3_CA_FILE: s3.caFile,
  };
}

export function s3Client(s3: S3Server): S3Client {
  return new S3Client({
    endpoint: s3.endpoint, region: s3.region, forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(s3.caFile) }) }),
  });
}

export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) keys.push(o.Key!);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function listMultipartUploads(client: S3Client, bucket: string): Promise<{ key: string; uploadId: string }[]> {
  const r = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (r.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId! }));
}
