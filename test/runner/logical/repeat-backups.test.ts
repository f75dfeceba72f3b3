import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MariaDbServer, startMariaDb } from '../../support/servers';
import { runRunner } from '../support/run-runner';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

// Regression: the posix store awaited before consuming the compressed stream and, now and then,
// committed an empty dump.sql.zst with a manifest (2 of 15 backups in a row). Repeated backups make
// the race show; every stored zstd object must be a complete frame.
describe('repeated mysqldump backups to a posix repository', () => {
  let db: MariaDbServer;
  let dir: string;
  beforeAll(async () => {
    db = await startMariaDb();
    db.sql('create database shop');
    db.sql('create table t (id int primary key, v text)', 'shop');
    db.sql("insert into t select seq, repeat('x', 100) from seq_1_to_1000", 'shop');
    dir = mkdtempSync(join(tmpdir(), 'repeat-backups-'));
  });
  afterAll(async () => {
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores a complete zstd stream every time', async () => {
    const broken: string[] = [];
    for (let i = 0; i < 15; i++) {
      const repo = join(dir, `repo${i}`);
      mkdirSync(repo);
      const r = await runRunner(['backup', '--engine', 'mysqldump', '--database', 'shop', '--posix-repo', repo, '--db-host', db.host,
        '--db-port', String(db.port), '--db-user', 'root', '--db-name', 'shop', '--spool-dir', join(dir, 'spool')], { RUNNER_DB_PASSWORD: db.password });
      expect(r.code).toBe(0);
      const dumps = files(repo).filter((f) => f.endsWith('.zst'));
      expect(dumps).toHaveLength(1);
      try {
        execFileSync('zstd', ['-t', '-q', dumps[0]], { stdio: 'pipe' });
      } catch {
        broken.push(`backup ${i}: ${dumps[0]} (${statSync(dumps[0]).size} bytes)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
