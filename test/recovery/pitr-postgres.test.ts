/**
 * Point-in-time recovery of PostgreSQL 15 under a pgbench write load, driven by the point-in-time
 * procedure's own runner command (runtime/recovery): pgBackRest archives WAL into a posix
 * repository, the runner takes a full backup while pgbench writes, a target time is taken during
 * the load, the procedure's `restore` step restores to it, and the started copy must hold
 * pgbench's invariant (accounts = tellers = branches = history deltas) and no commit after the
 * target (commit timestamps: track_commit_timestamp), with the last commit just before it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseRecoveryDescription, recoveryProcedure } from '../../runtime/recovery';
import { PostgresServer, requireTool, startPostgres } from '../support/servers';
import { startPosixDbHost, stopServer, waitArchived, waitRecovered } from '../runner/pgbackrest/setup';
import { outcome, runRunner } from '../runner/support/run-runner';
import { expectSucceeded, runStep, step } from './procedure-runner';

const CIPHER = 'recovery pitr passphrase';
// A stanza of its own: the remote side of `pgbackrest server` locks in /tmp/pgbackrest by stanza.
const STANZA = 'recovery_pitr';

let pg: PostgresServer;
let server: ChildProcess | undefined;
let work: string;
let manifests: string;
let runnerEnv: Record<string, string>;

beforeAll(async () => {
  requireTool('pgbackrest');
  requireTool('pgbench');
  work = mkdtempSync(join(tmpdir(), 'recovery-pitr-pg-'));
  chmodSync(work, 0o755);
  const repo = join(work, 'volume', 'pgbackrest');
  manifests = join(work, 'volume', 'runner');
  mkdirSync(repo, { recursive: true });
  mkdirSync(manifests, { recursive: true });
  const host = await startPosixDbHost(work, repo, { stanza: STANZA, cipher: CIPHER, extraConf: 'track_commit_timestamp = on' });
  ({ pg, server, runnerEnv } = host);
});

afterAll(async () => {
  await stopServer(server);
  await pg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function pgbench(args: string[]): ChildProcess {
  return spawn('pgbench', ['-h', pg.socketDir, '-p', String(pg.port), '-U', 'postgres', ...args, 'postgres'],
    { env: { PATH: process.env.PATH, PGPASSWORD: pg.password }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(p: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  p.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, out })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** pgbench's balances: every tpcb-like transaction adds its delta to one account, teller and branch, and logs it in history. */
const INVARIANT = `select (select sum(abalance) from pgbench_accounts) || ' ' || (select sum(tbalance) from pgbench_tellers) || ' '
  || (select sum(bbalance) from pgbench_branches) || ' ' || (select coalesce(sum(delta), 0) from pgbench_history) || ' ' || (select count(*) from pgbench_history)`;

describe('PostgreSQL point-in-time recovery under pgbench, by the procedure', () => {
  test('restores to a time during the load: the invariant holds, nothing committed after the target, the last commit just before it', async () => {
    const init = await exited(pgbench(['-i', '-s', '1', '-q']));
    expect(init).toMatchObject({ code: 0 });
    const description: DatabaseRecoveryDescription = {
      name: 'orders', databaseType: 'postgres', deployment: 'self-managed', primaryRegion: 'eu-central-1', physicalEngine: 'pgbackrest', pgbackrestStanza: STANZA,
      storage: { posixRepo: manifests }, runnerFlags: { 'spool-dir': join(work, 'spool') },
    };
    const procedure = recoveryProcedure(description, 'point-in-time');

    // The load runs through the backup and past the target.
    const loadStarted = Date.now();
    const load = pgbench(['-c', '4', '-j', '2', '-T', '120', '--no-vacuum']);
    const loadDone = exited(load);
    await sleep(1000);
    // The full backup, taken under the load, with the runner (the procedure starts from one).
    const backup = await runRunner(['backup', '--engine', 'pgbackrest', '--database', 'orders', '--posix-repo', manifests, '--spool-dir', join(work, 'spool'),
      '--type', 'full', '--pgbackrest-compress-level', '1'], runnerEnv);
    if (backup.code !== 0) throw new Error(`backup failed:\n${backup.stdout}\n${backup.stderr}`);
    expect(outcome(backup)).toMatchObject({ JobSuccess: 1 });
    await sleep(1500);
    // The target: the server's clock in the middle of the load.
    const before = Number(pg.psql('select count(*) from pgbench_history'));
    const target = pg.psql("select to_char(clock_timestamp() at time zone 'utc', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
    const after = Number(pg.psql('select count(*) from pgbench_history'));
    await sleep(2000);
    load.kill('SIGINT');
    await loadDone;
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    pg.psql('create table after_load(note text)');
    pg.psql("insert into after_load values ('committed after the load, long after the target')");
    await waitArchived(pg, pg.psql('select pg_switch_wal()'));
    const finalHistory = Number(pg.psql('select count(*) from pgbench_history'));

    const dir = join(work, 'restored');
    const runs = await runStep(procedure, step(procedure, 'restore'), { TargetTime: target, TargetName: dir }, { runnerEnv });
    expect(runs.map((r) => r.line)).toEqual([expect.stringContaining(`restore --engine pgbackrest --database orders --posix-repo ${manifests} --target-dir ${dir} --target-time ${target}`)]);
    expectSucceeded(runs);
    const copy = await startPostgres({ dataDir: dir, extraConf: 'track_commit_timestamp = on' });
    try {
      await waitRecovered(copy);
      const [a, t, b, h, n] = copy.psql(INVARIANT).split(' ');
      // Consistent: every transaction is there whole or not at all.
      expect({ tellers: t, branches: b, history: h }).toEqual({ tellers: a, branches: a, history: a });
      // Restored to the target: some of the load, not all of it, and nothing committed later.
      expect(Number(n)).toBeGreaterThan(0);
      expect(Number(n)).toBeLessThan(finalHistory);
      const commits = copy.psql(`select extract(epoch from max(pg_xact_commit_timestamp(xmin)))::text || ' ' || extract(epoch from '${target}'::timestamptz)::text from pgbench_history`).split(' ').map(Number);
      const [lastCommit, targetEpoch] = commits;
      expect(lastCommit).toBeLessThanOrEqual(targetEpoch);
      // pgbench commits hundreds of times a second: the newest restored commit is within a second of the target.
      expect(targetEpoch - lastCommit).toBeLessThan(1);
      expect(copy.psql("select count(*) from pg_class where relname = 'after_load'")).toBe('0');
      // Between what production had committed just before and just after reading the target.
      expect(Number(n)).toBeGreaterThanOrEqual(before);
      expect(Number(n)).toBeLessThanOrEqual(after);
      process.stdout.write(`pgbench: ${(finalHistory / loadSeconds).toFixed(0)} transactions/s over ${loadSeconds.toFixed(1)} s; history rows at the target ${n} of ${finalHistory}; newest restored commit ${(targetEpoch - lastCommit).toFixed(3)} s before the target\n`);
    } finally {
      await copy.stop();
    }
  }, 120_000);
});
