/**
 * `runner drill`: restores the latest runner backup (through the engine's own restore) into a
 * throw-away server inside the task, runs the integrity checks against the production baseline,
 * and reports the same verification metrics as the restore validator Lambda.
 *
 * Flags: every flag of `runner restore` for the engine (source of the backup: --database,
 * --s3-bucket/--posix-repo, --s3-prefix, --backup-id, ...), plus
 *   --baseline-uri s3://bucket/key (RUNNER_BASELINE_URI) or --baseline-file PATH (RUNNER_BASELINE_FILE)
 *   --drill-dir DIR (RUNNER_DRILL_DIR, default /tmp/runner-drill): scratch server and restored data
 *   --row-count-absolute-tolerance N (default 0), --row-count-growth-rate-per-day F (default 0.05)
 *   --rto-objective-seconds N (RUNNER_RTO_OBJECTIVE_SECONDS), --rpo-objective-seconds N (RUNNER_RPO_OBJECTIVE_SECONDS):
 *     the database's objectives; the drill logs whether each was met and emits RtoObjectiveMet / RpoObjectiveMet
 * Measured RTO (MeasuredRtoSeconds): drill start to a verified copy; for pgBackRest this includes
 * replaying the WAL archive to its end (the scratch server accepts connections only once recovery
 * has ended and promoted). Achieved recovery point: the restored backup's recovery point (its start
 * for a dump, its end for a physical backup, as the engine catalog says), or for pgBackRest the
 * newest commit replayed from the archive (pg_last_xact_replay_timestamp(), the backup's stop time
 * when none was replayed); RestoredDataAgeSeconds is its age at verification, and the RPO objective
 * is met when it is at most the objective before the drill's start (the simulated disaster).
 * The target of the restore (--target-*, --target-dir, --restore-datadir, and for pgBackRest
 * --pgbackrest-archive-mode off and --pgbackrest-recovery-config-path) is set by the drill.
 *
 * Exit codes: 0 all checks passed; 5 a check failed; the restore's own code when it failed;
 * 2 bad flags or a missing tool; 3 the scratch server or the connection failed.
 */
import { findEngine } from '../../../runtime/engines';
import { ConfigurationError } from '../../../runtime/errors';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COMMON_OPTIONS } from '../core/common-options';
import { asRunnerError, DatabaseError, EXIT } from '../core/errors';
import { runJob } from '../core/job';
import { JsonLogger, LineSink, stdoutSink } from '../core/logger';
import { splitArgs } from '../core/options';
import { Redactor } from '../core/redact';
import { allEngines, getEngine } from '../core/registry';
import {
  Baseline, connect, DatabaseClient, Engine as SqlEngine, summarize, verifyRestoredCopy, VerificationReport,
} from '../../../runtime/integrity';
import type { LineWriter } from '../../../runtime/metrics/emf';
import { emitVerificationMetrics } from '../../../runtime/metrics/verification';
import { ScratchServer, startMariaDbScratch, startPostgresScratch } from './scratch-server';

/** How each runner engine's backups come back to life for a drill. */
interface EngineShape {
  readonly sql: SqlEngine;
  /** logical: restore loads into a running server; physical: restore writes a data directory the server then starts on. */
  readonly kind: 'logical' | 'physical';
  /** Flag naming the data directory of a physical restore. */
  readonly dataDirFlag?: string;
  /**
   * The restored data directory recovers by replaying the WAL archive when the server starts
   * (pgBackRest): the drill measures that replay too, and takes the newest replayed commit as the
   * recovery point.
   */
  readonly replaysWal?: boolean;
}

/**
 * Engines with a drill, each proven on real servers by test/verification/drill.test.ts.
 * pgBackRest restores a data directory whose restore_command reads the repository with a
 * recovery config of the restore's own (passphrase and credentials in a 0600 file under the drill
 * directory, removed with it). wal-g (not installable here to prove it) and XtraBackup (needs
 * MySQL's mysqld, not in the image) are not drilled yet: the drill refuses them with exit 2.
 */
export const DRILL_ENGINES: Record<string, EngineShape> = {
  'pg-dump': { sql: 'postgres', kind: 'logical' },
  'mysqldump': { sql: 'mysql', kind: 'logical' },
  'pgbackrest': { sql: 'postgres', kind: 'physical', dataDirFlag: 'target-dir', replaysWal: true },
  'mariabackup': { sql: 'mysql', kind: 'physical', dataDirFlag: 'restore-datadir' },
};

const DRILL_FLAGS = ['baseline-uri', 'baseline-file', 'drill-dir', 'row-count-absolute-tolerance', 'row-count-growth-rate-per-day',
  'rto-objective-seconds', 'rpo-objective-seconds'];

/** The database's recovery objectives, seconds (each optional). */
interface Objectives {
  readonly rtoSeconds?: number;
  readonly rpoSeconds?: number;
}

export interface DrillIo {
  readonly env?: NodeJS.ProcessEnv;
  /** Log and runner-metric lines. @default stdout */
  readonly sink?: LineSink;
  /** Verification metric lines (EMF). @default stdout */
  readonly metrics?: LineWriter;
  readonly signal?: AbortSignal;
  /** S3 client for --baseline-uri (tests pass one pointed at a local server). */
  readonly s3?: S3Client;
}

export interface DrillResult {
  readonly exitCode: number;
  readonly report?: VerificationReport;
  readonly message: string;
}

/** Entry point for main.ts: `if (argv[0] === 'drill') return runDrill(argv.slice(1));` */
export async function runDrill(argv: string[], io: DrillIo = {}): Promise<number> {
  return (await drill(argv, io)).exitCode;
}

/** The drill with its report, for tests and callers that want more than the exit code. */
export async function drill(argv: string[], io: DrillIo = {}): Promise<DrillResult> {
  const started = Date.now();
  const env = io.env ?? process.env;
  const sink = io.sink ?? stdoutSink;
  const signal = io.signal ?? new AbortController().signal;
  const redactor = new Redactor();
  const boolFlags = new Set([...COMMON_OPTIONS, ...allEngines().flatMap((e) => e.options ?? [])].filter((o) => o.kind === 'bool').map((o) => o.name));
  const { flags, positional, problems } = splitArgs(argv, boolFlags);
  const database = flags.get('database') ?? env.RUNNER_DATABASE ?? 'unknown';
  const log = new JsonLogger(redactor, 'info', { command: 'drill', database }, sink);
  const objectives: Objectives = {
    ...optionalSeconds(flags.get('rto-objective-seconds') ?? env.RUNNER_RTO_OBJECTIVE_SECONDS, 'rto-objective-seconds', 'rtoSeconds', problems),
    ...optionalSeconds(flags.get('rpo-objective-seconds') ?? env.RUNNER_RPO_OBJECTIVE_SECONDS, 'rpo-objective-seconds', 'rpoSeconds', problems),
  };
  const fail = (exitCode: number, message: string, report?: VerificationReport): DrillResult => {
    log.error(`drill failed: ${message}`, { exitCode });
    // A drill that did not produce a verified copy did not meet the RTO.
    emitVerificationMetrics({ database, passed: false, durationSeconds: (Date.now() - started) / 1000, properties: { command: 'drill', exitCode },
      ...(objectives.rtoSeconds !== undefined ? { rtoObjectiveMet: false } : {}) }, io.metrics);
    return { exitCode, message, ...(report ? { report } : {}) };
  };

  if (positional.length) problems.push(`unexpected argument(s): ${positional.join(' ')}`);
  const engineName = flags.get('engine') ?? env.RUNNER_ENGINE;
  const engine = engineName ? getEngine(engineName) : undefined;
  const shape = engineName ? DRILL_ENGINES[engineName] : undefined;
  if (!engineName) problems.push('--engine (or RUNNER_ENGINE) is required');
  else if (!engine) problems.push(`unknown engine ${JSON.stringify(engineName)}; expected one of ${allEngines().map((e) => e.name).join(', ')}`);
  else if (!shape) problems.push(`engine ${engineName} has no restore drill (supported: ${Object.keys(DRILL_ENGINES).join(', ')})`);
  const baselineUri = flags.get('baseline-uri') ?? env.RUNNER_BASELINE_URI;
  const baselineFile = flags.get('baseline-file') ?? env.RUNNER_BASELINE_FILE;
  if (!baselineUri && !baselineFile) problems.push('one of --baseline-uri (RUNNER_BASELINE_URI) or --baseline-file (RUNNER_BASELINE_FILE) is required');
  if (baselineUri && !/^s3:\/\/[^/]+\/.+/.test(baselineUri)) problems.push(`--baseline-uri must be s3://bucket/key, got ${JSON.stringify(baselineUri)}`);
  const tolerance = {
    absoluteRows: numberFlag(flags.get('row-count-absolute-tolerance'), 0, 'row-count-absolute-tolerance', problems),
    growthRatePerDay: numberFlag(flags.get('row-count-growth-rate-per-day'), 0.05, 'row-count-growth-rate-per-day', problems),
  };
  for (const f of ['target-host', 'target-port', 'target-user', 'target-dir', 'restore-datadir', 'pgbackrest-archive-mode', 'pgbackrest-recovery-config-path']) {
    if (flags.has(f)) problems.push(`--${f} is set by the drill (it restores into its own scratch server)`);
  }
  if (problems.length || !engine || !shape) return fail(EXIT.config, new ConfigurationError('invalid configuration', problems).message);

  // The baseline first: without it there is nothing to compare with, so do not restore at all.
  let baseline: Baseline;
  try {
    baseline = await loadBaseline(baselineUri, baselineFile, io.s3 ?? new S3Client({}));
  } catch (err) {
    return fail(EXIT.config, (err as Error).message);
  }
  if (baseline.engine !== shape.sql) return fail(EXIT.config, `baseline of ${baseline.database} is for ${baseline.engine}, engine ${engineName} restores ${shape.sql}`);

  const restoreFlags = new Map([...flags].filter(([k]) => !DRILL_FLAGS.includes(k) && k !== 'engine'));
  restoreFlags.set('engine', engineName!);
  let backupTime = await latestRecoveryPoint(engine, restoreFlags, env, signal, sink);
  const drillDir = flags.get('drill-dir') ?? env.RUNNER_DRILL_DIR ?? '/tmp/runner-drill';
  const runDir = join(drillDir, `drill-${process.pid}-${Date.now()}`);
  const targetDb = flags.get('target-db') ?? flags.get('db-name') ?? env.RUNNER_TARGET_DB ?? env.RUNNER_DB_NAME ?? (shape.sql === 'postgres' ? 'postgres' : undefined);
  if (!targetDb) return fail(EXIT.config, '--target-db or --db-name (RUNNER_DB_NAME) is required: the database to restore and check');

  let server: ScratchServer | undefined;
  let client: DatabaseClient | undefined;
  const restoreStarted = Date.now();
  try {
    // The scratch servers run as their service users: they must be able to enter the drill directory.
    mkdirSync(runDir, { recursive: true, mode: 0o755 });
    chmodSync(runDir, 0o755);
    let restoreEnv: NodeJS.ProcessEnv = env;
    if (shape.kind === 'logical') {
      server = shape.sql === 'postgres' ? await startPostgresScratch({ dir: join(runDir, 'server') }) : await startMariaDbScratch({ dir: join(runDir, 'server') });
      redactor.add(server.password);
      restoreFlags.set('target-host', server.host);
      restoreFlags.set('target-port', String(server.port));
      restoreFlags.set('target-user', server.user);
      restoreFlags.set('target-db', targetDb);
      restoreEnv = { ...env, RUNNER_TARGET_PASSWORD: server.password };
      if (shape.sql === 'mysql') {
        // mysqldump restores into an existing database.
        const admin = await connect({ engine: 'mysql', host: server.host, port: server.port, user: server.user, password: server.password, database: 'mysql', tls: false });
        try { await admin.query(`create database if not exists \`${targetDb.replace(/`/g, '``')}\``); } finally { await admin.close(); }
      }
    } else {
      restoreFlags.set(shape.dataDirFlag!, join(runDir, 'data'));
      if (shape.replaysWal) {
        // The copy must never archive into production's stanza; its restore_command's config stays in the drill directory.
        restoreFlags.set('pgbackrest-archive-mode', 'off');
        restoreFlags.set('pgbackrest-recovery-config-path', join(runDir, 'recovery-config'));
      }
    }
    log.info('drill restore started', { engine: engineName, backupId: restoreFlags.get('backup-id') ?? 'latest', target: shape.kind });
    const code = await runJob({ engine, command: 'restore', flags: restoreFlags, env: restoreEnv, signal, sink });
    if (code !== EXIT.ok) return fail(code, `restore of the latest ${engineName} backup failed with exit code ${code} (see the restore log lines)`);
    if (shape.kind === 'physical') {
      const physical = { dir: join(runDir, 'server'), dataDir: join(runDir, 'data') };
      if (shape.sql === 'mysql') server = await startMariaDbScratch(physical);
      else {
        log.info('drill recovery started: replaying the WAL archive to its end', { engine: engineName });
        server = await startPostgresScratch({ ...physical, recoveryDirs: [join(runDir, 'recovery-config')] });
      }
    }
    const restoreSeconds = (Date.now() - restoreStarted) / 1000;
    client = await connect({ engine: shape.sql, host: server!.host, port: server!.port, user: server!.user, password: server!.password, database: targetDb, tls: false });
    if (shape.replaysWal) {
      const replayed = await recoveredTo(client);
      log.info('drill recovery complete', { restoreSeconds, newestReplayedCommit: replayed?.toISOString() ?? null, backupStop: backupTime?.toISOString() ?? null });
      // The newest commit replayed from the archive; none replayed: the backup's end is the recovery point.
      if (replayed && (!backupTime || replayed > backupTime)) backupTime = replayed;
    }
    const report = await verifyRestoredCopy(client, baseline, { ...(backupTime ? { restorePointTime: backupTime } : {}), tolerance });
    const message = summarize(report, 4000);
    const durationSeconds = (Date.now() - started) / 1000;
    // Drill start (the simulated disaster) to a verified, usable copy.
    const measuredRtoSeconds = durationSeconds;
    const recoveryPointLagSeconds = backupTime ? (started - backupTime.getTime()) / 1000 : undefined;
    const rtoMet = objectives.rtoSeconds !== undefined ? report.passed && measuredRtoSeconds <= objectives.rtoSeconds : undefined;
    const rpoMet = objectives.rpoSeconds !== undefined && recoveryPointLagSeconds !== undefined ? recoveryPointLagSeconds <= objectives.rpoSeconds : undefined;
    emitVerificationMetrics({
      database, passed: report.passed, durationSeconds, measuredRtoSeconds,
      ...(backupTime ? { restoredDataAgeSeconds: (Date.now() - backupTime.getTime()) / 1000 } : {}),
      ...(rtoMet !== undefined ? { rtoObjectiveMet: rtoMet } : {}),
      ...(rpoMet !== undefined ? { rpoObjectiveMet: rpoMet } : {}),
      properties: { command: 'drill', engine: engineName!, exitCode: report.passed ? EXIT.ok : EXIT.verification,
        ...(backupTime ? { recoveryPoint: backupTime.toISOString() } : {}) },
    }, io.metrics);
    const judged = {
      measuredRtoSeconds: round3(measuredRtoSeconds), rtoObjectiveSeconds: objectives.rtoSeconds, rtoMet,
      recoveryPoint: backupTime?.toISOString(), recoveryPointLagSeconds: recoveryPointLagSeconds !== undefined ? round3(recoveryPointLagSeconds) : undefined,
      rpoObjectiveSeconds: objectives.rpoSeconds, rpoMet,
    };
    const missed = rtoMet === false || rpoMet === false;
    const verdict = (met: boolean | undefined, what: string) => (met === undefined ? `${what} objective not given` : met ? `${what} objective met` : `${what} objective MISSED`);
    log[missed ? 'warn' : 'info'](`recovery objectives: ${verdict(rtoMet, 'RTO')} (measured ${round3(measuredRtoSeconds)} s${objectives.rtoSeconds !== undefined ? ` vs ${objectives.rtoSeconds} s` : ''}), `
      + `${verdict(rpoMet, 'RPO')} (recovery point ${recoveryPointLagSeconds !== undefined ? `${round3(recoveryPointLagSeconds)} s before the drill started` : 'unknown'}${objectives.rpoSeconds !== undefined ? ` vs ${objectives.rpoSeconds} s` : ''})`, judged);
    if (report.passed) log.info(message, { checks: report.checks, restoreSeconds });
    else log.error(message, { checks: report.checks, restoreSeconds, exitCode: EXIT.verification });
    return { exitCode: report.passed ? EXIT.ok : EXIT.verification, report, message };
  } catch (err) {
    const e = asRunnerError(err, 'database');
    return fail(e.exitCode, e.message);
  } finally {
    await client?.close();
    await server?.stop();
    // Restored data must not outlive the drill, whatever happened.
    rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Waits until the restored cluster is out of recovery (it accepts connections only then, hot
 * standby being off, so this is a guard) and returns the time of the newest commit it replayed
 * (pg_last_xact_replay_timestamp() stays at it after promotion; null when no commit was replayed).
 */
async function recoveredTo(client: DatabaseClient): Promise<Date | undefined> {
  const started = Date.now();
  for (;;) {
    const [row] = await client.query('select pg_is_in_recovery() as r, pg_last_xact_replay_timestamp() as t');
    if (!row?.r) {
      const t = row?.t instanceof Date ? row.t : row?.t ? new Date(String(row.t)) : undefined;
      return t && !Number.isNaN(t.getTime()) ? t : undefined;
    }
    if (Date.now() - started > 600000) throw new DatabaseError('the restored cluster accepted connections but stayed in recovery for 600 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** An objective in whole seconds (≥ 1), as `{ [key]: n }`, or nothing when not given. */
function optionalSeconds(raw: string | undefined, name: string, key: keyof Objectives, problems: string[]): Objectives {
  if (raw === undefined || raw === '') return {};
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    problems.push(`--${name} must be a whole number of seconds ≥ 1, got ${JSON.stringify(raw)}`);
    return {};
  }
  return { [key]: Number(raw) };
}

function numberFlag(raw: string | undefined, fallback: number, name: string, problems: string[]): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) problems.push(`--${name} must be a number ≥ 0, got ${JSON.stringify(raw)}`);
  return n;
}

async function loadBaseline(uri: string | undefined, file: string | undefined, s3: S3Client): Promise<Baseline> {
  let text: string;
  const where = uri ?? file!;
  try {
    if (uri) {
      const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      text = res.Body ? await res.Body.transformToString() : '';
    } else {
      text = readFileSync(file!, 'utf8');
    }
  } catch (err) {
    const e = err as { name?: string; message?: string };
    throw new Error(`baseline ${where} could not be read: ${e.name === 'NoSuchKey' ? 'no such object (has the baseline capture run?)' : e.message}`);
  }
  let b: Baseline;
  try {
    b = JSON.parse(text) as Baseline;
  } catch {
    throw new Error(`baseline ${where} is not valid JSON`);
  }
  if (b?.formatVersion !== 1 || !b.schema || typeof b.fingerprint !== 'string') throw new Error(`baseline ${where} has an unknown format`);
  return b;
}

/**
 * The recovery point of the backup the restore will pick: the `info` job lists complete backups
 * with their start and stop times; a dump restores to its start, a physical backup to its end
 * (the catalog's recoveryPointAt). Unknown when the engine's info lists neither.
 */
async function latestRecoveryPoint(engine: NonNullable<ReturnType<typeof getEngine>>, flags: Map<string, string>, env: NodeJS.ProcessEnv,
  signal: AbortSignal, sink: LineSink): Promise<Date | undefined> {
  const lines: string[] = [];
  const infoFlags = new Map([...flags].filter(([k]) => ['engine', 'database', 's3-bucket', 's3-prefix', 's3-region', 's3-endpoint', 's3-ca-file', 'posix-repo', 'log-level'].includes(k)));
  const code = await runJob({ engine, command: 'info', flags: infoFlags, env, signal, sink: (l) => { lines.push(l); sink(l); } });
  if (code !== EXIT.ok) return undefined;
  const atStart = findEngine(engine.name)?.recoveryPointAt === 'start';
  for (const line of lines) {
    let rec: { msg?: string; info?: { backups?: Array<{ backupId?: string; startedAt?: string; stoppedAt?: string }> } };
    try { rec = JSON.parse(line); } catch { continue; }
    const backups = rec.msg === 'info' ? rec.info?.backups : undefined;
    if (!Array.isArray(backups) || backups.length === 0) continue;
    const wanted = flags.get('backup-id');
    const pick = wanted ? backups.find((b) => b.backupId === wanted) : [...backups].sort((a, b) => String(a.stoppedAt).localeCompare(String(b.stoppedAt))).pop();
    const at = atStart ? pick?.startedAt ?? pick?.stoppedAt : pick?.stoppedAt;
    const t = at ? new Date(at) : undefined;
    return t && !Number.isNaN(t.getTime()) ? t : undefined;
  }
  return undefined;
}
