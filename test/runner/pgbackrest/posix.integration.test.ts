/**
 * pgBackRest with a posix repository (an EFS/EBS volume mounted at the same path into the runner
 * and on the database host) on real servers: PostgreSQL 15 pushes WAL with archive-push into the
 * directory, `pgbackrest server` serves the runner over TLS, the runner (as root, like the task)
 * takes a full backup into it and restores it; the started copy replays WAL archived after the
 * backup through archive-get from the same directory.
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer, chownRecursive, requireTool, startPostgres } from '../../support/servers';
import { RunResult, outcome, runRunner } from '../support/run-runner';
import { startPosixDbHost, stopServer, waitArchived, waitRecovered } from './setup';

const CIPHER = 'posix repository passphrase 7';
// Not 'main': the remote side of `pgbackrest server` locks in /tmp/pgbackrest by stanza, shared with the S3 suite running in parallel.
const STANZA = 'posix_it';

let pg: PostgresServer;
let server: ChildProcess | undefined;
let work: string;
let repo: string;
let manifests: string;
let runnerEnv: Record<string, string>;

function runner(command: string, args: string[] = []): Promise<RunResult> {
  return runRunner([command, '--engine', 'pgbackrest', '--database', 'orders', '--posix-repo', manifests,
    '--spool-dir', join(work, 'spool'), ...args], runnerEnv);
}

function expectOk(r: RunResult): void {
  if (r.code !== 0) throw new Error(`runner exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  expect(outcome(r)).toMatchObject({ JobSuccess: 1, JobFailure: 0, Engine: 'pgbackrest' });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  requireTool('pgbackrest');
  requireTool('openssl');
  work = mkdtempSync(join(tmpdir(), 'pgbr-posix-'));
  chmodSync(work, 0o755);
  repo = join(work, 'volume', 'pgbackrest');
  manifests = join(work, 'volume', 'runner');
  mkdirSync(repo, { recursive: true });
  mkdirSync(manifests, { recursive: true });
  // The volume belongs to the database host's pgBackRest user, as an EFS access point would set it.
  const host = await startPosixDbHost(work, repo, { stanza: STANZA, cipher: CIPHER });
  ({ pg, server, runnerEnv } = host);
  pg.psql('create table orders (id int primary key, note text not null)');
  pg.psql("insert into orders select g, 'bulk' from generate_series(1, 5000) g");
});

afterAll(async () => {
  await stopServer(server);
  await pg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('pgBackRest through the runner into a posix repository (mounted volume)', () => {
  test('full backup over TLS, then restore: the copy has the backup and the WAL archived after it', async () => {
    const b = await runner('backup', ['--type', 'full', '--pgbackrest-compress-level', '1']);
    expectOk(b);
    const done = b.logs.find((l) => l.msg === 'pgbackrest backup complete') as Record<string, any>;
    expect(done.label).toMatch(/^\d{8}-\d{6}F$/);
    // Encrypted zstd files in the volume, handed back to the volume's owner so archive-push keeps working.
    const backupFiles = filesUnder(join(repo, 'backup', STANZA, done.label));
    expect(backupFiles.some((f) => f.endsWith('.zst'))).toBe(true);
    const pgUid = statSync(repo).uid;
    expect(pgUid).not.toBe(0);
    expect([...backupFiles, ...filesUnder(join(repo, 'archive', STANZA))].filter((f) => statSync(f).uid !== pgUid)).toEqual([]);
    expect(readFileSync(backupFiles.find((f) => f.endsWith('pg_control.zst'))!).subarray(0, 8).toString()).toBe('Salted__');
    expect(b.stdout).not.toContain(CIPHER);
    // The runner's own manifest sits next to the repository.
    expect(filesUnder(manifests).some((f) => f.endsWith('manifest.json'))).toBe(true);

    pg.psql("insert into orders values (-1, 'after the backup')");
    const lsn = pg.psql('select pg_switch_wal()');
    await waitArchived(pg, lsn);

    const target = join(work, 'restored');
    const r = await runner('restore', ['--target-dir', target, '--pgbackrest-archive-mode', 'off']);
    expectOk(r);
    expect(readFileSync(join(`${target}.pgbackrest`, 'conf.d', 'secrets.conf'), 'utf8')).not.toMatch(/s3-key/);
    const copy = await startPostgres({ dataDir: target });
    try {
      await waitRecovered(copy);
      expect(copy.psql('select count(*) from orders where id > 0')).toBe('5000');
      expect(copy.psql('select note from orders where id = -1')).toBe('after the backup');
    } finally {
      await copy.stop();
    }
  });

  test('a repository path that is not mounted: clear storage error, nothing written', async () => {
    const missing = join(work, 'not-mounted');
    const r = await runner('backup', ['--type', 'full', '--pgbackrest-repo-type', 'posix', '--pgbackrest-repo-path', missing]);
    expect(r.code).not.toBe(0);
    expect(r.logs.some((l) => l.level === 'error' && String(l.msg).includes(`posix repository ${missing} is not a directory (is the volume mounted?)`))).toBe(true);
    expect(outcome(r)).toMatchObject({ JobSuccess: 0, JobFailure: 1 });
    expect(existsSync(missing)).toBe(false);
  });

  test('a full repository volume: exit 4 (storage), pgBackRest\'s own error quoted, no manifest', async () => {
    // The repository's backup folder on a 1 MiB volume (the WAL archive stays on the large disk, so
    // the archive checks pass): the info files fit, the backup does not. Needs CAP_SYS_ADMIN to mount.
    const full = join(repo, 'backup', STANZA);
    mkdirSync(full, { recursive: true });
    // Only the info files move onto the small volume (the earlier test's backup would not fit).
    const info = readdirSync(full).filter((f) => f.startsWith('backup.info')).map((f) => [f, readFileSync(join(full, f))] as const);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0750', 'tmpfs', full]);
    try {
      for (const [f, data] of info) writeFileSync(join(full, f), data);
      chownRecursive(full, 'postgres');
      const before = filesUnder(manifests).filter((f) => f.endsWith('manifest.json')).length;
      const r = await runner('backup', ['--type', 'full']);
      const err = r.logs.filter((l) => l.level === 'error').pop()!;
      expect({ code: r.code, msg: err.msg }).toEqual({ code: 4,
        // pgBackRest names ENOSPC on its first try; after its retries it may say only FileWriteError.
        msg: expect.stringMatching(new RegExp(`pgbackrest backup failed: the repository is out of space \\((no space left on device writing|\\d+ bytes left on the volume after a write failed for) ${full}/.*pgbackrest said: .*\\[064\\]`, 's')) });
      expect(outcome(r)).toMatchObject({ JobFailure: 1, errorKind: 'storage', exitCode: 4 });
      expect(filesUnder(manifests).filter((f) => f.endsWith('manifest.json')).length).toBe(before);
    } finally {
      execFileSync('umount', [full]);
    }
  });

  test('restore without --backup-id uses the newest backup whose runner job completed (has a manifest), not a newer set without one', async () => {
    const a = await runner('backup', ['--type', 'full']);
    expectOk(a);
    const labelA = (a.logs.find((l) => l.msg === 'pgbackrest backup complete') as Record<string, any>).label as string;
    const b = await runner('backup', ['--type', 'incr']);
    expectOk(b);
    const labelB = (b.logs.find((l) => l.msg === 'pgbackrest backup complete') as Record<string, any>).label as string;
    // B's job "failed" after pgBackRest finished: its set is in the repository, its manifest is not.
    rmSync(join(manifests, 'runner', 'orders', 'pgbackrest', outcome(b).backupId as string, 'manifest.json'));
    const target = join(work, 'restored-newest-complete');
    const r = await runner('restore', ['--target-dir', target, '--pgbackrest-archive-mode', 'off']);
    expectOk(r);
    // pgBackRest logs the set it restores (an incremental's label starts with its full's: match the whole label).
    const restoredSets = r.logs.map((l) => /restore backup set (\S+?),?(\s|$)/.exec(String(l.msg))?.[1]).filter(Boolean);
    expect(restoredSets).toEqual([labelA]);
    expect(labelB).not.toBe(labelA);
    expect(r.logs.find((l) => l.msg === 'pgbackrest restore complete; start PostgreSQL on the target to replay WAL')).toMatchObject({ label: labelA });
    rmSync(target, { recursive: true, force: true });
    rmSync(`${target}.pgbackrest`, { recursive: true, force: true });
  });

  test('point-in-time targets outside the recoverable window are refused before restoring: exit 2, the window in the message', async () => {
    expectOk(await runner('backup', ['--type', 'full']));
    const target = join(work, 'restored-outside-window');
    const pgTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '+00');
    const window = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\+00';
    // The last commit, then WAL archived 3 s later: a target between the two would end recovery
    // short of it (PostgreSQL stops at the first commit after the target, and there is none).
    const inserted = Date.parse(pg.psql("insert into orders values (-50, 'last commit') returning to_char(now() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"));
    await new Promise((r) => setTimeout(r, 3000));
    await waitArchived(pg, pg.psql('select pg_switch_wal()'));
    const refuse = async (time: string, why: string): Promise<string> => {
      const r = await runner('restore', ['--target-dir', target, '--target-time', time, '--pgbackrest-archive-mode', 'off']);
      const err = r.logs.filter((l) => l.level === 'error').pop();
      expect({ time, code: r.code }).toEqual({ time, code: 2 });
      expect(String(err?.msg)).toContain(`--target-time "${time}" ${why}`);
      expect(String(err?.msg)).toMatch(new RegExp(`recoverable window: ${window} \\(end of the oldest complete backup \\d{8}-\\d{6}F, started ${window}\\) to ${window} \\(last commit in the newest archived WAL [0-9A-F]{24}\\)`));
      expect(existsSync(target)).toBe(false);
      expect(r.logs.some((l) => l.process === 'pgbackrest restore')).toBe(false);
      return String(err?.msg);
    };
    const message = await refuse(pgTime(new Date(Date.now() + 3600_000)), 'is in the future');
    await refuse('2099-01-01 00:00:00+00', 'is in the future');
    await refuse('2000-01-01 00:00:00+00', 'is before the end of the oldest complete backup');
    // Just after the last archived commit, as the runner found it (whatever else committed after
    // the insert above, e.g. autovacuum): printed to the second, so one second later is after it,
    // and it is in the past (that commit's segment was switched and archived before this point).
    const lastCommit = /to (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\+00 \(last commit in the newest archived WAL/.exec(message)![1];
    const lastCommitMs = Date.parse(`${lastCommit.replace(' ', 'T')}Z`);
    // The window reaches at least the commit above (to the second).
    expect(lastCommitMs).toBeGreaterThanOrEqual(Math.floor(inserted / 1000) * 1000);
    const after = new Date(lastCommitMs + 1200);
    expect(after.getTime()).toBeLessThan(Date.now());
    await refuse(pgTime(after), 'is after the last commit in the archived WAL');
  });
});
