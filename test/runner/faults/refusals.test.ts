import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer, startPostgres } from '../../support/servers';
import { outcome, RunResult, runRunner, startRunner } from '../support/run-runner';

// A job must never report success for something other than what was asked: these refusals happen
// before any work, exit with the documented code and name the flag and the value.
describe('runner refusals', () => {
  let pg: PostgresServer;
  let dir: string;

  beforeAll(async () => {
    pg = await startPostgres();
    pg.psql('create database shop');
    pg.psql('create table t(id int primary key); insert into t select generate_series(1, 100);', 'shop');
  });
  afterAll(async () => {
    await pg?.stop();
  });
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'refusals-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pgArgs = () => ['--engine', 'pg-dump', '--database', 'shop', '--db-host', pg.host, '--db-port', String(pg.port), '--db-user', 'postgres',
    '--db-name', 'shop', '--spool-dir', join(dir, 'spool')];
  const errorLine = (r: RunResult) => r.logs.filter((l) => l.level === 'error').pop()!;

  it('a --posix-repo root that does not exist (an unmounted volume) is refused with exit 4 and never created', async () => {
    const repo = join(dir, 'mnt', 'efs');
    for (const command of ['backup', 'check', 'restore']) {
      const extra = command === 'restore' ? ['--target-host', pg.host, '--target-port', String(pg.port), '--target-user', 'postgres', '--target-db', 'copy'] : [];
      const r = await runRunner([command, ...pgArgs(), '--posix-repo', repo, ...extra], { RUNNER_DB_PASSWORD: pg.password, RUNNER_TARGET_PASSWORD: pg.password });
      expect({ command, code: r.code }).toEqual({ command, code: 4 });
      expect(errorLine(r).msg).toBe(`${command} failed: --posix-repo ${repo} does not exist: the repository root must already exist (is the volume mounted?); the runner never creates it`);
      expect(outcome(r)).toMatchObject({ JobFailure: 1, errorKind: 'storage', exitCode: 4 });
      expect(existsSync(join(dir, 'mnt'))).toBe(false);
    }
    // The same backup into the existing root succeeds.
    mkdirSync(repo, { recursive: true });
    const ok = await runRunner(['backup', ...pgArgs(), '--posix-repo', repo], { RUNNER_DB_PASSWORD: pg.password });
    expect(ok.code).toBe(0);
    expect(readdirSync(repo)).toEqual(['runner']);
  });

  /** A read-only file system at `dir` (the runner runs as root here, so permissions alone would not stop it). Needs CAP_SYS_ADMIN. */
  const readOnlyMount = (at: string) => {
    mkdirSync(at, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', at]);
    return () => execFileSync('umount', [at]);
  };

  it('a restore target whose parent is not writable: exit 2 before any work, the flag and the value named, no stack trace', async () => {
    const ro = join(dir, 'ro');
    const unmount = readOnlyMount(ro);
    try {
      const repo = join(dir, 'repo');
      mkdirSync(repo);
      const settings = {
        stanza: 'refusals', repositoryType: 'posix', posixRepository: { path: repo }, repository: { bucket: '', region: '' },
        databaseHost: { address: '127.0.0.1', pgPath: '/unused', configPath: '/etc/pgbackrest', tlsPort: 8432,
          lockPath: join(dir, 'lock'), logPath: join(dir, 'log'), spoolPath: join(dir, 'pgbr-spool') },
      };
      const target = join(ro, 'pgdata');
      const pgbr = await runRunner(['restore', '--engine', 'pgbackrest', '--database', 'orders', '--posix-repo', repo, '--spool-dir', join(dir, 'spool'),
        '--target-dir', target], { RUNNER_PGBACKREST_SETTINGS: JSON.stringify(settings), RUNNER_PGBACKREST_CIPHER_PASS: 'not-used' });
      expect({ code: pgbr.code, stderr: pgbr.stderr }).toEqual({ code: 2, stderr: '' });
      expect(errorLine(pgbr).msg).toContain(`--target-dir "${target}" cannot be created: its parent ${ro} is not writable by the runner (EROFS)`);
      expect(errorLine(pgbr)).not.toHaveProperty('stack');
      expect(outcome(pgbr)).toMatchObject({ JobFailure: 1, errorKind: 'config', exitCode: 2 });

      const datadir = join(ro, 'mysql');
      const maria = await runRunner(['restore', '--engine', 'mariabackup', '--database', 'shop', '--posix-repo', repo, '--spool-dir', join(dir, 'spool'),
        '--restore-datadir', datadir]);
      expect({ code: maria.code, stderr: maria.stderr }).toEqual({ code: 2, stderr: '' });
      expect(errorLine(maria).msg).toContain(`--restore-datadir "${datadir}" cannot be created: its parent ${ro} is not writable by the runner (EROFS)`);
      expect(outcome(maria)).toMatchObject({ JobFailure: 1, errorKind: 'config', exitCode: 2 });
    } finally {
      unmount();
    }
  });

  it('--zstd-level 99 is refused with exit 2 naming the flag, the value and the range; nothing is stored', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    const r = await runRunner(['backup', ...pgArgs(), '--posix-repo', repo, '--zstd-level', '99'], { RUNNER_DB_PASSWORD: pg.password });
    expect(r.code).toBe(2);
    expect(errorLine(r).msg).toContain('--zstd-level must be between 1 and 19, got 99');
    expect(outcome(r)).toMatchObject({ JobFailure: 1, errorKind: 'config', exitCode: 2 });
    expect(readdirSync(repo)).toEqual([]);
  });

  it('kill -9 of the runner: the tools it started die with it (a silent tool would otherwise run on, holding its locks)', async () => {
    // A stand-in tool that writes nothing for ten minutes: it never notices a closed pipe, like
    // pgBackRest copying a large file or waiting for WAL. Only a parent-death signal stops it.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'mongodump'), '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "mongodump version: 100.9.4"; exit 0; fi\nexec sleep 600\n');
    chmodSync(join(bin, 'mongodump'), 0o755);
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    const run = startRunner(['backup', '--engine', 'mongodump', '--database', 'catalog', '--posix-repo', repo, '--db-host', '10.0.0.5', '--db-user', 'backup',
      '--spool-dir', join(dir, 'spool')], { PATH: `${bin}:/usr/bin:/bin`, RUNNER_DB_PASSWORD: 'pw' });
    await run.waitForLine((l) => l.msg === 'starting process' && l.process === 'mongodump');
    // The children of the runner (mongodump, zstd), once the stand-in runs as `sleep`.
    const childrenOf = (pid: number) => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try { const st = readFileSync(`/proc/${d}/stat`, 'utf8'); return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid; } catch { return false; }
    }).map(Number);
    const comm = (pid: number) => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
    let tools: number[] = [];
    for (let i = 0; i < 100 && !tools.some((p) => comm(p) === 'sleep'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      tools = childrenOf(run.child.pid!);
    }
    expect(tools.map(comm)).toContain('sleep');
    run.child.kill('SIGKILL');
    await run.result;
    const alive = (pid: number) => { try { return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); } catch { return false; } };
    const killedAt = Date.now();
    while (tools.some(alive) && Date.now() < killedAt + 10_000) await new Promise((r) => setTimeout(r, 100));
    expect(tools.filter(alive).map(comm)).toEqual([]);
    // The killed job's spool folder (its 0600 option files) is removed by the next job.
    const killedFolder = readdirSync(join(dir, 'spool')).find((f) => f.includes(`-${run.child.pid}-`));
    expect(killedFolder).toBeDefined();
    const next = await runRunner(['check', '--engine', 'mongodump', '--database', 'catalog', '--posix-repo', repo, '--db-host', '10.0.0.5',
      '--db-user', 'backup', '--spool-dir', join(dir, 'spool')], { PATH: `${bin}:/usr/bin:/bin`, RUNNER_DB_PASSWORD: 'pw' });
    expect(next.logs.find((l) => l.msg === 'removed spool folders of jobs that were killed')).toMatchObject({ folders: [killedFolder] });
    expect(readdirSync(join(dir, 'spool'))).toEqual([]);
  });
});
