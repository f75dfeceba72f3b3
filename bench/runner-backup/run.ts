/**
 * Runner backup benchmark (issue 4). Not part of the test suite: it builds a ~2 GB PostgreSQL
 * database and takes several minutes.
 *
 *   node --import tsx bench/runner-backup/run.ts            (scale 130 ≈ 2 GB)
 *   BENCH_SCALE=20 node --import tsx bench/runner-backup/run.ts   (quick smoke run)
 *
 * See bench/runner-backup/README.md for what is timed and the targets checked.
 */
import { buildSync } from 'esbuild';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer, asUser, chownRecursive, requireTool, startPostgres } from '../../test/support/servers';
import { RunOptions, RunResult, machineCpuSince, measure, measureShell } from './measure';
import { PgBackRestBench, Repo, Topology, setUpPgBackRest } from './pgbackrest-setup';

const ROOT = join(__dirname, '..', '..');
/** Bad environment settings, every one named with its value; main() reports them all and stops. */
const ENV_PROBLEMS: string[] = [];
/** A positive whole number from the environment (the fallback when unset). */
function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1) return n;
  ENV_PROBLEMS.push(`${name} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  return fallback;
}
const SCALE = envCount('BENCH_SCALE', 130);
/** Rounds of the physical backup steps and the tar reference; the table shows each step's median. */
const ROUNDS = envCount('BENCH_ROUNDS', 3);
const MEMORY_TARGET_BYTES = 256 * 1024 * 1024;
const DB = 'bench';
const REPOS: readonly Repo[] = ['s3', 'posix'];
const TOPOLOGIES: readonly Topology[] = ['repo-host', 'db-host'];
const REPO_LABEL: Record<Repo, string> = { s3: 'S3 repository (s3rver)', posix: 'posix repository (mounted volume)' };
const TOPOLOGY_LABEL: Record<Topology, string> = {
  'repo-host': 'runner as repository host over TLS',
  'db-host': 'runner on the database host',
};

interface Row {
  readonly step: string;
  readonly result: RunResult;
  /** Bytes the step wrote (backup size), when it is a backup. */
  readonly bytes?: number;
  /** The runner's own process (peak RSS counts against the 256 MB target). */
  readonly runner?: boolean;
  /** Seconds of every round, in the order they ran, when the step ran more than once. */
  readonly rounds?: number[];
}

/** Rounds of one step → its median run, with the largest peak RSS of any round. */
class Rounds {
  private readonly runs: RunResult[] = [];
  constructor(readonly bytes: number | undefined, readonly runner: boolean) {}
  add(r: RunResult): void {
    this.runs.push(r);
  }
  median(): RunResult {
    const sorted = [...this.runs].sort((a, b) => a.seconds - b.seconds);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    return { ...mid, peakRssBytes: Math.max(...this.runs.map((r) => r.peakRssBytes)),
      peakTreeRssBytes: Math.max(...this.runs.map((r) => r.peakTreeRssBytes)) };
  }
  row(): Row {
    const m = this.median();
    return { step: m.name, result: m, bytes: this.bytes, runner: this.runner,
      ...(this.runs.length > 1 ? { rounds: this.runs.map((r) => r.seconds) } : {}) };
  }
}

function mb(n: number): string {
  return (n / 1024 / 1024).toFixed(0) + ' MB';
}

function duBytes(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split(/\s/)[0]);
}

let runnerJs = '';

/**
 * The runner bundled exactly as scripts/bundle.mjs bundles it, but into the benchmark's own folder:
 * a test run elsewhere rebuilds assets/runner/ (remove, then write) and could pull it away mid-run.
 */
function bundleRunner(dir: string): string {
  const out = join(dir, 'runner.js');
  buildSync({ entryPoints: [join(ROOT, 'runner', 'src', 'main.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', external: ['pg-native'], logLevel: 'error', legalComments: 'none' });
  return out;
}

/** Keeps each step's output (runner JSON logs included) for reading the timings afterwards. */
function keepLog(r: RunResult): void {
  const dir = process.env.BENCH_LOG_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, r.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') + '.log');
  writeFileSync(file, `# stdout\n${r.stdout}\n# stderr\n${r.stderr}\n`);
}

/**
 * pgbench's tables at the given scale, but pgbench_accounts.filler holds random hex instead of
 * blanks: pgbench's own data compresses about 1000:1, which would make every compressor look free.
 * Hex text compresses roughly 2:1, closer to real rows. Loaded by two sessions (two cores).
 */
async function buildDatabase(pg: PostgresServer, env: NodeJS.ProcessEnv): Promise<void> {
  const conn = ['-h', pg.socketDir, '-p', String(pg.port), '-U', 'postgres'];
  execFileSync('pgbench', ['-i', '-s', String(SCALE), '-q', '-I', 'dt', ...conn, DB], { stdio: ['ignore', 'ignore', 'pipe'], env });
  pg.psql(`insert into pgbench_branches (bid, bbalance) select g, 0 from generate_series(1, ${SCALE}) g;
    insert into pgbench_tellers (tid, bid, tbalance) select g, (g - 1) / 10 + 1, 0 from generate_series(1, ${SCALE * 10}) g`, DB);
  const rows = SCALE * 100000;
  const half = Math.floor(rows / 2);
  const load = (from: number, to: number) => new Promise<void>((resolve, reject) => {
    const sql = `insert into pgbench_accounts (aid, bid, abalance, filler)
      select g, (g - 1) / 100000 + 1, (random() * 100000)::int,
             md5(g::text || random()::text) || md5(random()::text) || substr(md5(random()::text), 1, 20)
      from generate_series(${from}, ${to}) g`;
    const p = spawn('psql', [...conn, '-d', DB, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += String(d); });
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`loading accounts ${from}-${to} failed: ${err}`))));
  });
  await Promise.all([load(1, half), load(half + 1, rows)]);
  execFileSync('pgbench', ['-i', '-s', String(SCALE), '-q', '-I', 'vp', ...conn, DB], { stdio: ['ignore', 'ignore', 'pipe'], env });
}

function runnerArgv(args: string[]): string[] {
  return [process.execPath, runnerJs, ...args];
}

async function main(): Promise<void> {
  if (ENV_PROBLEMS.length) {
    console.error(`invalid benchmark settings:\n  - ${ENV_PROBLEMS.join('\n  - ')}`);
    process.exitCode = 2;
    return;
  }
  for (const t of ['pgbench', 'pg_dump', 'pg_restore', 'gzip', 'zstd', 'tar', 'pgbackrest']) requireTool(t);
  const work = mkdtempSync(join(tmpdir(), 'bench-runner-'));
  // The database host's pgBackRest files and the restored cluster live here and are used as postgres.
  chmodSync(work, 0o755);
  runnerJs = bundleRunner(work);
  let pg: PostgresServer | undefined;
  let restored: PostgresServer | undefined;
  let pgbr: PgBackRestBench | undefined;
  const rows: Row[] = [];
  try {
    pgbr = await setUpPgBackRest(work);
    // Every step also reports the machine's busy CPU time and what it made s3rver spend.
    const watch = pgbr.watch();
    const timed = (name: string, argv: readonly string[], opts: RunOptions = {}) => measure(name, argv, { ...opts, watch });
    const timedShell = (name: string, script: string, opts: RunOptions = {}) => measureShell(name, script, { ...opts, watch });
    pg = await startPostgres({ extraConf: pgbr.postgresConf });
    await pgbr.attach(pg);
    const env = { ...process.env, PGPASSWORD: pg.password };

    console.log(`building the database: pgbench schema, scale ${SCALE}, accounts with random filler (about ${(SCALE * 15).toFixed(0)} MB)`);
    const t0 = Date.now();
    pg.psql(`create database ${DB}`);
    await buildDatabase(pg, env);
    const archiveSeconds = await pgbr.startArchiving(pg);
    pg.psql('checkpoint');
    const dbBytes = Number(pg.psql(`select pg_database_size('${DB}')`));
    // pg_wal is not part of a physical backup set (pgBackRest takes WAL from its archive).
    const dataDirBytes = duBytes(pg.dataDir) - duBytes(join(pg.dataDir, 'pg_wal'));
    console.log(`archiving through pgBackRest started and its queue drained in ${archiveSeconds.toFixed(0)} s`);
    console.log(`database ${DB}: ${mb(dbBytes)} (data directory without pg_wal ${mb(dataDirBytes)}), built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    // Over TCP like a runner task would connect; the password travels in PGPASSWORD.
    const conn = ['-h', pg.host, '-p', String(pg.port), '-U', 'postgres'];
    const naiveFile = join(work, 'naive.dump.gz');
    // 1. The naive script people write first.
    const naive = await timedShell('naive: pg_dump -Fc, piped to gzip',
      `pg_dump ${conn.join(' ')} -Fc ${DB} | gzip > ${naiveFile}`, { env });
    rows.push({ step: naive.name, result: naive, bytes: statSync(naiveFile).size });

    // 2. The runner's pg_dump path (custom format, streamed through zstd, SHA-256, manifest).
    const logicalRepo = join(work, 'logical-repo');
    mkdirSync(logicalRepo);
    const runnerDump = await timed('runner pg-dump backup', runnerArgv(['backup', '--engine', 'pg-dump', '--database', DB,
      '--posix-repo', logicalRepo, '--spool-dir', join(work, 'spool'), '--db-host', pg.host, '--db-port', String(pg.port), '--db-user', 'postgres', '--db-name', DB]),
    { env: { ...process.env, RUNNER_DB_PASSWORD: pg.password } });
    rows.push({ step: runnerDump.name, result: runnerDump, bytes: duBytes(logicalRepo), runner: true });

    // 3. The runner's pgBackRest full backup into the S3 repository (s3rver), then into a posix
    // repository (a mounted volume); each from both topologies: the runner as repository host
    // reaching `pgbackrest server` over TLS, and the runner on the database host. archive_command
    // pushes to the repository under test only, as in production. Then the diagnostic and the tar
    // reference. The whole sequence runs ROUNDS times, so a slow moment of a shared machine hits
    // every step alike; each step's median is what the targets use.
    const posixRepo = join(work, 'posix-repo');
    const steps = new Map<string, Rounds>();
    const record = (r: RunResult, bytes: number | undefined, runner: boolean) => {
      if (!steps.has(r.name)) steps.set(r.name, new Rounds(bytes, runner));
      steps.get(r.name)!.add(r);
    };
    const backupName = (repo: Repo, topology: Topology) => `runner pgbackrest full backup, ${REPO_LABEL[repo]}, ${TOPOLOGY_LABEL[topology]}`;
    const diagnosticName = 'diagnostic: plain pgbackrest full to a posix repository (no runner, no TLS, no S3)';
    const tarName = 'reference: tar of the data directory (without WAL), piped to zstd -1 -T2, to /dev/null';
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`physical backups and reference, round ${round} of ${ROUNDS}`);
      for (const repo of REPOS) {
        await pgbr.archiveTo(pg, repo);
        for (const topology of TOPOLOGIES) {
          const argv = runnerArgv(pgbr.backupArgs(DB, repo, topology));
          const before = pgbr.repoBytes(repo);
          const r = await timed(backupName(repo, topology), topology === 'db-host' ? asUser('postgres', argv) : argv, { env: pgbr.env });
          record(r, pgbr.repoBytes(repo) - before, true);
        }
      }
      // Diagnostic: the same pgBackRest backup without the TLS hop and the S3 server (posix repository).
      const before = round === 1 ? 0 : duBytes(posixRepo);
      const posixRef = await timedShell(diagnosticName, pgbr.posixReferenceScript(pg, posixRepo));
      record(posixRef, duBytes(posixRepo) - before, false);
      // 4. Physical reference: the data directory through zstd, nothing stored.
      record(await timedShell(tarName, `tar -C ${pg.dataDir} --exclude=./pg_wal/0* -cf - . | zstd -q -1 -T2 > /dev/null`), undefined, false);
    }
    rmSync(posixRepo, { recursive: true, force: true });
    for (const st of steps.values()) rows.push(st.row());
    const physical = {} as Record<Repo, Record<Topology, RunResult>>;
    for (const repo of REPOS) {
      physical[repo] = {} as Record<Topology, RunResult>;
      for (const topology of TOPOLOGIES) physical[repo][topology] = steps.get(backupName(repo, topology))!.median();
    }
    const tarRef = steps.get(tarName)!.median();

    // Restores. The naive dump gets the best a script can do: decompressed to disk, pg_restore -j2.
    pg.psql('create database restored_naive');
    const naiveRestore = await timedShell('naive restore: gunzip + pg_restore -j2',
      `gunzip -c ${naiveFile} > ${join(work, 'naive.dump')} && pg_restore ${conn.join(' ')} -j 2 -d restored_naive ${join(work, 'naive.dump')}`, { env });
    rows.push({ step: naiveRestore.name, result: naiveRestore });
    const naiveCount = pg.psql('select count(*) from pgbench_accounts', 'restored_naive');
    pg.psql('drop database restored_naive');

    const runnerLogicalRestore = await timed('runner pg-dump restore (pg_restore -j2)', runnerArgv(['restore', '--engine', 'pg-dump',
      '--database', DB, '--posix-repo', logicalRepo, '--target-host', pg.host, '--target-port', String(pg.port), '--target-user', 'postgres',
      '--target-db', 'restored_runner', '--jobs', '2', '--spool-dir', join(work, 'spool')]),
    { env: { ...process.env, RUNNER_TARGET_PASSWORD: pg.password } });
    rows.push({ step: runnerLogicalRestore.name, result: runnerLogicalRestore, runner: true });
    const runnerCount = pg.psql('select count(*) from pgbench_accounts', 'restored_runner');
    pg.psql('drop database restored_runner');

    // An empty directory owned by postgres: pgBackRest (as root) restores ownership from its manifest.
    const restoreDir = join(work, 'restored-data');
    mkdirSync(restoreDir, { mode: 0o700 });
    chownRecursive(restoreDir, 'postgres');
    const physicalRestore = await timed('runner pgbackrest restore, S3 repository', runnerArgv(pgbr.restoreArgs(DB, restoreDir, 's3')), { env: pgbr.env });
    rows.push({ step: physicalRestore.name, result: physicalRestore, runner: true });
    const restoredBytes = duBytes(restoreDir);
    // A restore is done when the cluster accepts connections: time WAL recovery too and count it.
    let t1 = process.hrtime.bigint();
    let recoveryCpu = machineCpuSince();
    restored = await startPostgres({ dataDir: restoreDir });
    let recoverySeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    let recoveryCpuSeconds = recoveryCpu();
    const physicalCount = restored.psql('select count(*) from pgbench_accounts', DB);
    const physicalTotal: RunResult = { ...physicalRestore, name: 'runner pgbackrest restore + PostgreSQL recovery until ready, S3 repository',
      seconds: physicalRestore.seconds + recoverySeconds, machineCpuSeconds: physicalRestore.machineCpuSeconds + recoveryCpuSeconds };
    rows.push({ step: physicalTotal.name, result: physicalTotal, runner: true });
    await restored.stop();
    restored = undefined;
    rmSync(restoreDir, { recursive: true, force: true });

    // The same from the posix repository.
    const restoreDirPosix = join(work, 'restored-data-posix');
    mkdirSync(restoreDirPosix, { mode: 0o700 });
    chownRecursive(restoreDirPosix, 'postgres');
    const posixRestore = await timed('runner pgbackrest restore, posix repository', runnerArgv(pgbr.restoreArgs(DB, restoreDirPosix, 'posix')), { env: pgbr.env });
    rows.push({ step: posixRestore.name, result: posixRestore, runner: true });
    t1 = process.hrtime.bigint();
    recoveryCpu = machineCpuSince();
    restored = await startPostgres({ dataDir: restoreDirPosix });
    recoverySeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    recoveryCpuSeconds = recoveryCpu();
    const posixCount = restored.psql('select count(*) from pgbench_accounts', DB);
    const posixTotal: RunResult = { ...posixRestore, name: 'runner pgbackrest restore + PostgreSQL recovery until ready, posix repository',
      seconds: posixRestore.seconds + recoverySeconds, machineCpuSeconds: posixRestore.machineCpuSeconds + recoveryCpuSeconds };
    rows.push({ step: posixTotal.name, result: posixTotal, runner: true });

    const expected = String(SCALE * 100000);
    const checks = [
      `naive restore has ${naiveCount} accounts (expected ${expected})`,
      `runner pg-dump restore has ${runnerCount} accounts (expected ${expected})`,
      `pgbackrest restore (S3) wrote ${mb(restoredBytes)} (source data directory ${mb(dataDirBytes)}) and the started copy has ${physicalCount} accounts (expected ${expected})`,
      `pgbackrest restore (posix) started copy has ${posixCount} accounts (expected ${expected})`,
    ];
    report(rows, naive, physical, tarRef, naiveRestore, { s3: physicalTotal, posix: posixTotal }, dbBytes, checks,
      naiveCount === expected && runnerCount === expected && physicalCount === expected && posixCount === expected);
  } finally {
    await restored?.stop();
    await pgbr?.stop();
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function report(rows: Row[], naive: RunResult, physical: Record<Repo, Record<Topology, RunResult>>, tarRef: RunResult, naiveRestore: RunResult,
  physicalRestore: Record<Repo, RunResult>, dbBytes: number, checks: string[], dataOk: boolean): void {
  const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim();
  console.log('');
  console.log(`runner backup benchmark — PostgreSQL 15, pgbench schema scale ${SCALE} with random filler (${mb(dbBytes)}), ${require('node:os').cpus().length} CPUs, load average ${load}`);
  if (ROUNDS > 1) console.log(`physical backups, diagnostic and reference: median of ${ROUNDS} rounds (each round runs them all once, in turn; every round's seconds in brackets); peak RSS: the largest of any round`);
  console.log('| step | seconds | vs naive | stored | peak RSS (process) | peak RSS (process tree) | CPU-s, machine | CPU-s, s3rver |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    keepLog(r.result);
    const base = r.step.includes('restore') ? naiveRestore.seconds : naive.seconds;
    const rounds = r.rounds ? ` (rounds: ${r.rounds.map((x) => x.toFixed(1)).join(', ')})` : '';
    console.log(`| ${r.step} | ${r.result.seconds.toFixed(1)}${rounds} | ${(base / r.result.seconds).toFixed(2)}x faster | ${r.bytes !== undefined ? mb(r.bytes) : ''} | ${mb(r.result.peakRssBytes)}${r.runner ? ' (runner)' : ''} | ${mb(r.result.peakTreeRssBytes)} | ${r.result.machineCpuSeconds.toFixed(1)} | ${(r.result.watchedCpuSeconds.s3rver ?? 0).toFixed(1)} |`);
  }
  console.log('');
  const runnerPeak = Math.max(...rows.filter((r) => r.runner).map((r) => r.result.peakRssBytes));
  const targets: Array<[string, boolean, string]> = [];
  // One line per repository type and topology, so no figure hides another.
  for (const repo of REPOS) {
    for (const topology of TOPOLOGIES) {
      const which = `${REPO_LABEL[repo]}, ${TOPOLOGY_LABEL[topology]}`;
      const b = physical[repo][topology];
      targets.push(
        [`physical backup, ${which}, >= 3x faster than the naive script`, naive.seconds / b.seconds >= 3,
          `${(naive.seconds / b.seconds).toFixed(2)}x (${b.seconds.toFixed(1)} s)`],
        [`physical backup, ${which}, within 1.5x of tar | zstd -1 -T2`, b.seconds <= 1.5 * tarRef.seconds,
          `${(b.seconds / tarRef.seconds).toFixed(2)}x the reference`],
      );
    }
    const r = physicalRestore[repo];
    targets.push([`physical restore (incl. recovery), ${REPO_LABEL[repo]}, >= 4x faster than restoring the naive dump`,
      naiveRestore.seconds / r.seconds >= 4, `${(naiveRestore.seconds / r.seconds).toFixed(2)}x (${r.seconds.toFixed(1)} s)`]);
  }
  targets.push(
    ['runner process peak RSS < 256 MB', runnerPeak < MEMORY_TARGET_BYTES, mb(runnerPeak)],
    ['restored data is complete', dataOk, checks.join('; ')],
  );
  for (const [name, ok, detail] of targets) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  process.exitCode = targets.every(([, ok]) => ok) ? 0 : 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
