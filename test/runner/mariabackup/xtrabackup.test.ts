/**
 * Percona XtraBackup cannot be installed on Debian 12, so the xtrabackup engine is proven by its
 * command lines (commands.test.ts) and here by its failure when the tool is missing: a clear
 * message, exit code 2, a failure metric and nothing that looks like a backup. When a PATH does
 * hold an `xtrabackup`, the test puts a PATH without it first so the check still runs.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XTRABACKUP_TOOL } from '../../../runner/src/engines/mariabackup/commands';
import { xtrabackupEngine } from '../../../runner/src/engines/xtrabackup';
import { explain, outcome, runCli } from './cli';

let work: string;
let path: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'xtrabackup-test-'));
  // A PATH with the tools the runner itself needs (zstd for uploads) and no xtrabackup/xbstream.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  for (const t of ['zstd', 'mysqlbinlog', 'mysql', 'mariadb', 'chown']) {
    for (const dir of ['/usr/bin', '/bin']) {
      try { symlinkSync(join(dir, t), join(bin, t)); break; } catch { /* not in this dir */ }
    }
  }
  path = bin;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the engine declares the Percona binaries it needs', () => {
  expect(xtrabackupEngine.name).toBe('xtrabackup');
  expect(xtrabackupEngine.requiredTools).toEqual(expect.arrayContaining(['xtrabackup', 'xbstream', 'mysqlbinlog']));
  expect(xtrabackupEngine.toolsFor!('backup')).toEqual(['xtrabackup']);
  expect(xtrabackupEngine.toolsFor!('restore')).toEqual(['xtrabackup', 'xbstream', 'chown']);
  expect(xtrabackupEngine.backupTypes).toEqual(['full', 'incr']);
  expect(XTRABACKUP_TOOL.needsApplyLogOnly).toBe(true);
});

test.each([
  ['backup', ['--type', 'full', '--db-user', 'backup', '--db-host', '127.0.0.1'], 'xtrabackup'],
  ['restore', ['--restore-datadir', '/tmp/never-created-by-this-test'], 'xtrabackup, xbstream'],
])('a missing xtrabackup fails %s with exit 2, a clear error and a failure metric', async (command, extra, missing) => {
  const repo = join(work, `repo-${command}`);
  const r = await runCli([command, '--engine', 'xtrabackup', '--database', 'orders', '--posix-repo', repo,
    '--spool-dir', join(work, 'spool'), ...extra], { PATH: path, RUNNER_DB_PASSWORD: 'not-used-secret' });
  expect({ code: r.code, out: r.code === 2 ? '' : explain(r) }).toEqual({ code: 2, out: '' });
  const err = r.lines.find((l) => l.level === 'error');
  expect(String(err?.msg)).toContain(`${missing} is not installed (required by engine xtrabackup)`);
  expect(err?.exitCode).toBe(2);
  const m = outcome(r);
  expect(m.JobFailure).toBe(1);
  expect(m.JobSuccess).toBe(0);
  expect(m.Engine).toBe('xtrabackup');
  // Nothing was written: no repository folder, so no manifest and no partial object.
  expect(() => readdirSync(repo)).toThrow(/ENOENT/);
});
