/**
 * The restore drill of pgBackRest backups on real PostgreSQL 15 + pgBackRest 2.45 (posix
 * repository): the drill restores the latest backup into its drill directory, starts a scratch
 * PostgreSQL on it that replays the WAL archive to its end and promotes, checks the copy against
 * the baseline and removes everything. A backup taken after damage fails the drill with exit 5.
 */
import '../../runner/src/engines';
import { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drill } from '../../runner/src/drill';
import { VERIFICATION_METRICS } from '../../runtime/metrics/names';
import { PostgresServer, requireTool } from '../support/servers';
import { startPosixDbHost, stopServer, waitArchived } from '../runner/pgbackrest/setup';
import { runRunner } from '../runner/support/run-runner';
import { PG_SHOP_SCHEMA, recordDamage, writeShopBaseline } from './fixtures';

const DAMAGE_LOG = process.env.DAMAGE_LOG ?? join(__dirname, '..', '..', 'cdk.out', 'damage-cases.txt');
const CIPHER = 'drill pgbackrest passphrase';
// A stanza of its own: the remote side of `pgbackrest server` locks in /tmp/pgbackrest by stanza.
const STANZA = 'drill_pgbr';
const m = VERIFICATION_METRICS;

let pg: PostgresServer;
let server: ChildProcess | undefined;
let runnerEnv: Record<string, string>;
/** What RunnerDrill gives the drill task: the settings and the cipher passphrase, no TLS identity (the restore reads the repository itself). */
let drillEnv: NodeJS.ProcessEnv;
let work: string;
let manifests: string;
let baselineFile: string;

function collect() {
  const lines: string[] = [];
  const metrics: Record<string, unknown>[] = [];
  return { lines, metrics, io: { sink: (l: string) => { lines.push(l); }, metrics: (l: string) => { metrics.push(JSON.parse(l)); } } };
}

const drillDir = () => join(work, 'drill');
const args = () => ['--engine', 'pgbackrest', '--database', 'shop', '--posix-repo', manifests, '--db-name', 'shop',
  '--baseline-file', baselineFile, '--drill-dir', drillDir(), '--spool-dir', join(work, 'spool')];

async function backup(type: string): Promise<void> {
  const r = await runRunner(['backup', '--engine', 'pgbackrest', '--database', 'shop', '--posix-repo', manifests, '--spool-dir', join(work, 'spool'),
    '--type', type, '--pgbackrest-compress-level', '1'], runnerEnv);
  if (r.code !== 0) throw new Error(`runner backup failed:\n${r.stdout}\n${r.stderr}`);
}

/** Processes whose command line names the drill directory (a scratch postmaster left running would). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) found.push(`${pid}: ${cmd}`);
    } catch { /* gone meanwhile */ }
  }
  return found;
}

beforeAll(async () => {
  requireTool('pgbackrest');
  work = mkdtempSync(join(tmpdir(), 'drill-pgbr-'));
  chmodSync(work, 0o755);
  const repo = join(work, 'volume', 'pgbackrest');
  manifests = join(work, 'volume', 'runner');
  mkdirSync(repo, { recursive: true });
  mkdirSync(manifests, { recursive: true });
  ({ pg, server, runnerEnv } = await startPosixDbHost(work, repo, { stanza: STANZA, cipher: CIPHER }));
  drillEnv = { ...process.env, RUNNER_PGBACKREST_SETTINGS: runnerEnv.RUNNER_PGBACKREST_SETTINGS, RUNNER_PGBACKREST_CIPHER_PASS: runnerEnv.RUNNER_PGBACKREST_CIPHER_PASS };
  pg.psql('create database shop');
  pg.psql(PG_SHOP_SCHEMA, 'shop');
  baselineFile = await writeShopBaseline(pg, 'postgres', work);
  await backup('full');
}, 120_000);

afterAll(async () => {
  await stopServer(server);
  await pg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('runner drill on PostgreSQL (pgBackRest, physical)', () => {
  it('restores the latest backup, replays the archive to its end, passes every check and leaves nothing behind', async () => {
    // A commit after the backup, archived: the drill's recovery replays it and takes it as the recovery point.
    pg.psql("update audit_log set note = 'after the backup' where id = 1", 'shop');
    const committed = new Date(pg.psql("select to_char(now() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"));
    await waitArchived(pg, pg.psql('select pg_switch_wal()'));
    const c = collect();
    const result = await drill([...args(), '--rto-objective-seconds', '3600', '--rpo-objective-seconds', '3600'], { ...c.io, env: drillEnv });
    expect({ message: result.message, errors: c.lines.filter((l) => l.includes('"level":"error"')).join('\n') })
      .toEqual({ message: 'PASSED 8/8 checks on shop', errors: '' });
    expect(result.exitCode).toBe(0);
    expect(c.metrics).toHaveLength(1);
    expect(c.metrics[0]).toMatchObject({ Database: 'shop', [m.success]: 1, [m.failure]: 0, command: 'drill', engine: 'pgbackrest',
      [m.rtoObjectiveMet]: 1, [m.rpoObjectiveMet]: 1 });
    expect(c.metrics[0][m.measuredRtoSeconds]).toBeGreaterThan(0);
    // The recovery point is the newest replayed commit: the update after the backup, not the backup's end.
    const recoveryPoint = new Date(String(c.metrics[0].recoveryPoint)).getTime();
    expect(Math.abs(recoveryPoint - committed.getTime())).toBeLessThan(1000);
    const recovered = c.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'drill recovery complete');
    expect(new Date(recovered.newestReplayedCommit).getTime()).toBeGreaterThan(new Date(recovered.backupStop).getTime());
    process.stdout.write(`drill pgbackrest: MeasuredRtoSeconds ${c.metrics[0][m.measuredRtoSeconds]} (restore + WAL replay ${recovered.restoreSeconds} s)\n`);
    // The restored data, its recovery config (passphrase) and the scratch server are gone.
    expect(readdirSync(drillDir())).toEqual([]);
    expect(processesUnder(drillDir())).toEqual([]);
    // No production password was needed or printed.
    expect(c.lines.join('\n')).not.toContain(pg.password);
    expect(c.lines.join('\n')).not.toContain(CIPHER);
  }, 120_000);

  it('fails the drill of a backup taken after damage with exit 5, naming the check, and still cleans up', async () => {
    pg.psql('delete from orders where id > 950', 'shop');
    await backup('incr');
    const c = collect();
    const result = await drill(args(), { ...c.io, env: drillEnv });
    recordDamage(DAMAGE_LOG, 'postgres drill (pgBackRest backup)', 'drop rows', result.message);
    expect(result.exitCode).toBe(5);
    expect(result.message).toMatch(/row count orders — expected 1000 ± \d+ rows, found 950 rows \(−50\)/);
    expect(c.metrics[0]).toMatchObject({ [m.success]: 0, [m.failure]: 1, engine: 'pgbackrest' });
    expect(readdirSync(drillDir())).toEqual([]);
    expect(processesUnder(drillDir())).toEqual([]);
  }, 120_000);

  it('a restore that fails (wrong cipher passphrase) fails the drill with the restore\'s code and leaves nothing behind', async () => {
    const c = collect();
    const result = await drill(args(), { ...c.io, env: { ...drillEnv, RUNNER_PGBACKREST_CIPHER_PASS: 'not the passphrase' } });
    expect(result.message).toMatch(/^restore of the latest pgbackrest backup failed with exit code [1-9]/);
    expect([0, 5]).not.toContain(result.exitCode);
    expect(c.metrics[0]).toMatchObject({ [m.success]: 0, [m.failure]: 1 });
    expect(readdirSync(drillDir())).toEqual([]);
    expect(processesUnder(drillDir())).toEqual([]);
  }, 60_000);

  it('refuses the restore flags the drill sets itself', async () => {
    const c = collect();
    const result = await drill([...args(), '--pgbackrest-archive-mode', 'preserve', '--target-dir', join(work, 'x')], { ...c.io, env: drillEnv });
    expect(result.exitCode).toBe(2);
    expect(result.message).toMatch(/--target-dir is set by the drill[\s\S]*--pgbackrest-archive-mode is set by the drill/);
    expect(existsSync(join(work, 'x'))).toBe(false);
  });
});
