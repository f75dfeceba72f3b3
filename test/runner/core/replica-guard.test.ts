import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideReplicaLag, mariaDbReplicaStatus, postgresReplicaStatus } from '../../../runner/src/core/replica-guard';
import { asUser, chownRecursive, MariaDbServer, PG_BIN, PostgresServer, startMariaDb, startPostgres } from '../../support/servers';
import { outcome, runRunner } from '../support/run-runner';

describe('replica lag decision', () => {
  it('passes a primary whatever the threshold', () => {
    expect(decideReplicaLag({ isReplica: false, lagSeconds: 0, detail: 'primary' }, 0)).toEqual({ ok: true, reason: 'source is a primary (primary)' });
  });
  it('passes a replica within the threshold and refuses one above it', () => {
    expect(decideReplicaLag({ isReplica: true, lagSeconds: 30, detail: 'd' }, 30).ok).toBe(true);
    const d = decideReplicaLag({ isReplica: true, lagSeconds: 30.5, detail: 'd' }, 30);
    expect(d).toEqual({ ok: false, reason: 'source is a replica 30.5 s behind, more than --max-replica-lag-seconds=30 — refusing to back up (d)' });
  });
  it('refuses a replica whose lag is unknown (replication stopped)', () => {
    expect(decideReplicaLag({ isReplica: true, lagSeconds: null, detail: 'Seconds_Behind_Master=NULL' }, 3600)).toMatchObject({ ok: false,
      reason: expect.stringMatching(/replication lag is unknown \(Seconds_Behind_Master=NULL\)/) });
  });
  it('reads PostgreSQL: a caught-up replica has no lag even when the last transaction is old', () => {
    expect(postgresReplicaStatus({ in_recovery: false, received: null, replayed: null, replay_age: null })).toMatchObject({ isReplica: false });
    expect(postgresReplicaStatus({ in_recovery: true, received: '0/3000060', replayed: '0/3000060', replay_age: 5000 })).toMatchObject({ isReplica: true, lagSeconds: 0 });
    expect(postgresReplicaStatus({ in_recovery: true, received: '0/4000000', replayed: '0/3000060', replay_age: 42.25 })).toMatchObject({ lagSeconds: 42.25 });
    expect(postgresReplicaStatus({ in_recovery: true, received: null, replayed: null, replay_age: null })).toMatchObject({ isReplica: true, lagSeconds: null });
  });
  it('reads MariaDB SHOW SLAVE STATUS: no row is a primary, NULL is unknown', () => {
    expect(mariaDbReplicaStatus([])).toMatchObject({ isReplica: false });
    expect(mariaDbReplicaStatus([{ Seconds_Behind_Master: 12, Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes' }])).toMatchObject({ isReplica: true, lagSeconds: 12 });
    expect(mariaDbReplicaStatus([{ Seconds_Behind_Master: null, Slave_IO_Running: 'No', Slave_SQL_Running: 'Yes' }]))
      .toMatchObject({ isReplica: true, lagSeconds: null, detail: 'Seconds_Behind_Master=NULL, IO running No, SQL running Yes' });
  });
});

// The guard measured on real servers: a PostgreSQL primary, a real streaming standby of it whose
// replay is paused, and a MariaDB primary.
describe('replica lag guard on real servers', () => {
  let primary: PostgresServer;
  let standby: PostgresServer | undefined;
  let maria: MariaDbServer;
  let repo: string;

  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), 'guard-repo-'));
    [primary, maria] = await Promise.all([startPostgres({ extraConf: 'hot_standby = on' }), startMariaDb()]);
    primary.psql('create table t(x int); insert into t values (1)');
  });
  afterAll(async () => {
    await Promise.all([standby?.stop(), primary?.stop(), maria?.stop()]);
    rmSync(repo, { recursive: true, force: true });
  });

  const pgArgs = (s: PostgresServer, max: string) => ['backup', '--engine', 'pg-dump', '--database', 'guard', '--posix-repo', repo, '--db-host', s.host,
    '--db-port', String(s.port), '--db-user', 'postgres', '--max-replica-lag-seconds', max];

  it('backs up a PostgreSQL primary with a threshold of 0', async () => {
    const r = await runRunner(pgArgs(primary, '0'), { RUNNER_DB_PASSWORD: primary.password });
    expect(r.code).toBe(0);
    expect(r.logs.find((l) => l.msg === 'replica lag guard passed')!.reason).toMatch(/^source is a primary \(pg_is_in_recovery\(\) = false\)/);
  });

  it('refuses a PostgreSQL standby whose replay is behind, and passes it once it caught up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standby-'));
    chownRecursive(dir, 'postgres');
    const data = join(dir, 'data');
    const bb = asUser('postgres', [`${PG_BIN}/pg_basebackup`, '-h', primary.socketDir, '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--no-sync']);
    execFileSync(bb[0], bb.slice(1), { stdio: 'pipe' });
    standby = await startPostgres({ dataDir: data });
    try {
      expect(standby.psql('select pg_is_in_recovery()')).toBe('t');
      // One replayed transaction gives pg_last_xact_replay_timestamp() a value (null means "cannot tell": refused).
      primary.psql('insert into t values (2)');
      await waitFor(() => standby!.psql('select count(*) from t') === '2');
      standby.psql('select pg_wal_replay_pause()');
      primary.psql('insert into t values (3)');
      // The standby receives the new WAL but does not replay it: its lag grows.
      await waitFor(() => standby!.psql('select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()') === 't');
      await new Promise((r) => setTimeout(r, 2500));
      const refused = await runRunner(pgArgs(standby, '1'), { RUNNER_DB_PASSWORD: primary.password });
      expect(refused.code).toBe(3);
      expect(refused.logs.filter((l) => l.level === 'error').pop()!.msg)
        .toMatch(/backup failed: source is a replica \d+\.\d s behind, more than --max-replica-lag-seconds=1 — refusing to back up/);
      expect(outcome(refused)).toMatchObject({ JobFailure: 1, errorKind: 'database' });
      expect(refused.logs.some((l) => l.msg === 'starting process')).toBe(false);

      standby.psql('select pg_wal_replay_resume()');
      await waitFor(() => standby!.psql('select count(*) from t') === '3');
      const passed = await runRunner(pgArgs(standby, '1'), { RUNNER_DB_PASSWORD: primary.password });
      expect(passed.code).toBe(0);
      expect(passed.logs.find((l) => l.msg === 'replica lag guard passed')!.reason).toMatch(/^source is a replica 0\.0 s behind/);
    } finally {
      await standby.stop();
      standby = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('backs up a MariaDB primary with a threshold of 0 (SHOW SLAVE STATUS is empty)', async () => {
    const r = await runRunner(['backup', '--engine', 'mysqldump', '--database', 'guard', '--posix-repo', repo, '--db-host', maria.host,
      '--db-port', String(maria.port), '--db-user', 'root', '--db-name', 'mysql', '--max-replica-lag-seconds', '0'], { RUNNER_DB_PASSWORD: maria.password });
    expect(r.code).toBe(0);
    expect(r.logs.find((l) => l.msg === 'replica lag guard passed')!.reason).toBe('source is a primary (SHOW SLAVE STATUS returned no row)');
  });
});

async function waitFor(probe: () => boolean, timeoutMs = 30000): Promise<void> {
  const start = Date.now();
  while (!probe()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
