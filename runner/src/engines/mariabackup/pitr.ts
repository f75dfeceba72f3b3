/**
 * Point-in-time recovery after a physical restore: start a private server on the restored data
 * directory (no network, no grant checks, no binlog of its own), replay the binlogs from the
 * backup's binlog position up to the target time, and shut it down again.
 *
 * Binlog events carry whole-second timestamps and `mysqlbinlog --stop-datetime=T` stops at the
 * first event stamped T or later, so it would leave out the events of the target second itself.
 * The runner passes the second after the target: every event stamped at or before the target
 * second (`YYYY-MM-DD HH:MM:SS` in the runner's TZ) is applied, the first event stamped later and
 * everything after it is not. Two commits in the same second cannot be told apart; a finer target
 * needs --stop-position, which this runner does not expose.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, fstatSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { JobContext } from '../../core/engine';
import { DatabaseError, RunnerError } from '../../core/errors';
import type { BinlogPosition } from './chain';
import { PhysicalBackupTool, binlogReplayCommand } from './commands';
import { parentDeathCommand } from '../../core/process';

export interface ReplayOptions {
  readonly dataDir: string;
  /** System user that owns the data directory; the private server runs as this user. */
  readonly owner: string;
  readonly binlogDir: string;
  readonly start: BinlogPosition;
  /** `YYYY-MM-DD HH:MM:SS` in the runner's TZ: every event stamped at or before this second is applied. */
  readonly stopDatetime: string;
  readonly mysqld: string;
}

/** The binlog files to replay: the backup's file and every later one with the same base name, in order. */
export function binlogFilesFrom(dir: string, first: string): string[] {
  const m = first.match(/^(.*)\.(\d+)$/);
  if (!m) throw new RunnerError('config', `binlog file name ${JSON.stringify(first)} has no numeric suffix`);
  const [, base, num] = m;
  const files = readdirSync(dir)
    .map((f) => f.match(/^(.*)\.(\d+)$/))
    .filter((x): x is RegExpMatchArray => !!x && x[1] === base && Number(x[2]) >= Number(num))
    .sort((a, b) => Number(a[2]) - Number(b[2]))
    .map((x) => join(dir, x[0]));
  if (files.length === 0 || !files[0].endsWith(`/${first}`)) {
    throw new RunnerError('config', `--binlog-dir ${dir} does not hold ${first}, the binlog the backup is consistent with`);
  }
  return files;
}

/** Epoch ms of a `YYYY-MM-DD HH:MM:SS` target in the runner's time zone (how mysqlbinlog reads it). */
export function localTimeMs(t: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(t);
  if (!m) return NaN;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  const date = new Date(y, mo - 1, d, h, mi, se);
  return date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d && date.getHours() === h ? date.getTime() : NaN;
}

/** `YYYY-MM-DD HH:MM:SS` in the runner's time zone, the form of --target-time. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
const EVENT_HEADER = 19;

/**
 * The newest event timestamp (epoch seconds) in a binlog file, read from the v4 event headers
 * (timestamp, type, server id, length, ...); undefined when the file is not a readable binlog
 * (encrypted, truncated, not a binlog).
 */
export function newestEventTime(file: string): number | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(EVENT_HEADER);
    if (readSync(fd, head, 0, 4, 0) !== 4 || !head.subarray(0, 4).equals(BINLOG_MAGIC)) return undefined;
    let pos = 4;
    let newest: number | undefined;
    while (pos + EVENT_HEADER <= size) {
      if (readSync(fd, head, 0, EVENT_HEADER, pos) !== EVENT_HEADER) break;
      const ts = head.readUInt32LE(0);
      const length = head.readUInt32LE(9);
      if (length < EVENT_HEADER || pos + length > size) break;
      if (ts > 0) newest = Math.max(newest ?? 0, ts);
      pos += length;
    }
    return newest;
  } finally {
    closeSync(fd);
  }
}

/**
 * Epoch ms of the newest event in the binlogs of `dir` named like `binlogFile` (mysql-bin.NNNNNN):
 * the end of what a point-in-time restore can reach. Falls back to the newest file's mtime when
 * its events cannot be read.
 */
export function newestBinlogTime(dir: string, binlogFile: string): number | undefined {
  const m = binlogFile.match(/^(.*)\.(\d+)$/);
  if (!m) return undefined;
  let names: string[];
  try { names = readdirSync(dir); } catch { return undefined; }
  const files = names.map((f) => f.match(/^(.*)\.(\d+)$/)).filter((x): x is RegExpMatchArray => !!x && x[1] === m[1])
    .sort((a, b) => Number(a[2]) - Number(b[2])).map((x) => join(dir, x[0]));
  let newest: number | undefined;
  // The newest event is in the last file, or in the one before when the last holds only its header.
  for (const f of files.slice(-2)) {
    const t = newestEventTime(f);
    if (t !== undefined) newest = Math.max(newest ?? 0, t * 1000);
  }
  if (newest === undefined && files.length) newest = Math.floor(statSync(files[files.length - 1]).mtimeMs / 1000) * 1000;
  return newest;
}

function uidOf(user: string): { uid: number; gid: number } {
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new RunnerError('config', `--restore-owner ${JSON.stringify(user)} is not a user on this host`);
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export async function replayBinlogs(tool: PhysicalBackupTool, job: JobContext, o: ReplayOptions): Promise<void> {
  const files = binlogFilesFrom(o.binlogDir, o.start.file);
  // The server runs as the data owner and must reach its socket: a private directory it owns.
  const runDir = mkdtempSync(join(tmpdir(), 'runner-pitr-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { uid, gid } = uidOf(o.owner);
    chownSync(runDir, uid, gid);
  }
  chmodSync(runDir, 0o700);
  const socket = join(runDir, 'mysqld.sock');
  const serverArgs = ['--no-defaults', `--datadir=${o.dataDir}`, `--socket=${socket}`, `--pid-file=${join(runDir, 'mysqld.pid')}`,
    `--log-error=${join(runDir, 'error.log')}`, '--skip-networking', '--skip-grant-tables', '--skip-log-bin', '--skip-slave-start'];
  // The private server dies with the runner (kill -9 included), like every tool the runner starts:
  // setpriv switches to the owner first (a server's own --user would clear the parent-death signal).
  const wrapped = parentDeathCommand(o.mysqld, serverArgs, asRoot ? { user: o.owner } : {});
  if (!wrapped.wrapped && asRoot) wrapped.args.push(`--user=${o.owner}`);
  job.log.info('starting a private server for binlog replay', { datadir: o.dataDir, binlogs: files.length, from: o.start, stopDatetime: o.stopDatetime });
  const server = spawn(wrapped.cmd, wrapped.args, { stdio: 'ignore' });
  const serverExit = new Promise<number | null>((resolve) => server.on('exit', (c) => resolve(c)));
  server.on('error', () => { /* reported through the exit/ping timeout below */ });
  const errorLog = () => {
    const p = join(runDir, 'error.log');
    return existsSync(p) ? spawnSync('tail', ['-n', '20', p], { encoding: 'utf8' }).stdout : '';
  };
  const client = (extra: string[]) => [tool.client, ['--no-defaults', `--socket=${socket}`, '-uroot', ...extra]] as const;
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (server.exitCode !== null) throw new DatabaseError(`the replay server exited with code ${server.exitCode} on ${o.dataDir}: ${errorLog()}`);
      const [cmd, args] = client(['-e', 'select 1']);
      if (existsSync(socket) && spawnSync(cmd, args, { stdio: 'ignore' }).status === 0) break;
      if (Date.now() > deadline || job.signal.aborted) throw new DatabaseError(`the replay server on ${o.dataDir} did not start: ${errorLog()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // The second after the target: mysqlbinlog stops at the first event stamped at or after it.
    const reader = binlogReplayCommand(tool, files, o.start.position, localTime(localTimeMs(o.stopDatetime) + 1000));
    const r = job.proc.start({ cmd: reader[0], args: reader.slice(1), label: tool.binlogReader, failureKind: 'database' });
    const [cmd, args] = client([]);
    const apply = job.proc.start({ cmd, args: [...args], label: `${cmd} (binlog replay)`, stdin: r.stdout!, stdout: 'ignore', failureKind: 'database' });
    await Promise.all([r.done, apply.done]);
    const [scmd, sargs] = client(['-e', 'shutdown']);
    await job.proc.run({ cmd: scmd, args: [...sargs], label: 'shutdown of the replay server', failureKind: 'database' });
    const code = await Promise.race([serverExit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000).unref())]);
    if (code === 'timeout') throw new DatabaseError('the replay server did not shut down within 120 s');
    job.log.info('binlog replay complete', { stopDatetime: o.stopDatetime });
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await Promise.race([serverExit, new Promise((r) => setTimeout(r, 30_000).unref())]);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
    rmSync(runDir, { recursive: true, force: true });
  }
}
