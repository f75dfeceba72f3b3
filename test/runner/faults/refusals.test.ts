import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer, startPostgres } from '../../support/servers';
import { outcome, RunResult, runRunner } from '../support/run-runner';

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
});
