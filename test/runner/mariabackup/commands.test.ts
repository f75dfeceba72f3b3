import {
  MARIABACKUP_TOOL, XTRABACKUP_TOOL, backupCommand, binlogReplayCommand, copyBackCommand, extractCommand,
  optionValue, prepareCommands, renderBackupDefaultsFile, renderRestoreDefaultsFile,
} from '../../../runner/src/engines/mariabackup/commands';

describe('physical backup command lines (shared by mariabackup and xtrabackup)', () => {
  const base = { defaultsFile: '/run/j/backup.cnf', targetDir: '/run/j/tmp', extraLsnDir: '/run/j/lsn' };

  test.each(['mariabackup', 'xtrabackup'])('full backup streams xbstream with --defaults-file first (%s)', (bin) => {
    const tool = bin === 'mariabackup' ? MARIABACKUP_TOOL : XTRABACKUP_TOOL;
    expect(backupCommand(tool, base)).toEqual([
      bin, '--defaults-file=/run/j/backup.cnf', '--backup', '--stream=xbstream',
      '--target-dir=/run/j/tmp', '--extra-lsndir=/run/j/lsn',
    ]);
  });

  test('incremental backup names the reconstructed base dir, parallel and replica options', () => {
    expect(backupCommand(XTRABACKUP_TOOL, { ...base, incrementalBaseDir: '/run/j/base', parallel: 2, safeSlaveBackup: true })).toEqual([
      'xtrabackup', '--defaults-file=/run/j/backup.cnf', '--backup', '--stream=xbstream',
      '--target-dir=/run/j/tmp', '--extra-lsndir=/run/j/lsn', '--incremental-basedir=/run/j/base',
      '--parallel=2', '--safe-slave-backup',
    ]);
    expect(backupCommand(MARIABACKUP_TOOL, { ...base, parallel: 1 })).not.toContain('--parallel=1');
  });

  test('extract uses each vendor\'s extractor', () => {
    expect(extractCommand(MARIABACKUP_TOOL, '/r/full')).toEqual(['mbstream', '-x', '-C', '/r/full']);
    expect(extractCommand(XTRABACKUP_TOOL, '/r/full', 2)).toEqual(['xbstream', '-x', '-C', '/r/full', '--parallel=2']);
  });

  test('xtrabackup prepares every step but the last with --apply-log-only; mariabackup never', () => {
    expect(prepareCommands(XTRABACKUP_TOOL, '/r/0', ['/r/1', '/r/2'])).toEqual([
      ['xtrabackup', '--no-defaults', '--prepare', '--target-dir=/r/0', '--apply-log-only'],
      ['xtrabackup', '--no-defaults', '--prepare', '--target-dir=/r/0', '--incremental-dir=/r/1', '--apply-log-only'],
      ['xtrabackup', '--no-defaults', '--prepare', '--target-dir=/r/0', '--incremental-dir=/r/2'],
    ]);
    expect(prepareCommands(MARIABACKUP_TOOL, '/r/0', ['/r/1'], '256M')).toEqual([
      ['mariabackup', '--no-defaults', '--prepare', '--target-dir=/r/0', '--use-memory=256M'],
      ['mariabackup', '--no-defaults', '--prepare', '--target-dir=/r/0', '--incremental-dir=/r/1', '--use-memory=256M'],
    ]);
    // A lone full backup is the last step: no --apply-log-only even for xtrabackup.
    expect(prepareCommands(XTRABACKUP_TOOL, '/r/0', [])).toEqual([
      ['xtrabackup', '--no-defaults', '--prepare', '--target-dir=/r/0'],
    ]);
  });

  test('copy-back and move-back', () => {
    expect(copyBackCommand(MARIABACKUP_TOOL, { defaultsFile: '/r/restore.cnf', preparedDir: '/r/0' }))
      .toEqual(['mariabackup', '--defaults-file=/r/restore.cnf', '--copy-back', '--target-dir=/r/0']);
    expect(copyBackCommand(XTRABACKUP_TOOL, { defaultsFile: '/r/restore.cnf', preparedDir: '/r/0', move: true, parallel: 4 }))
      .toEqual(['xtrabackup', '--defaults-file=/r/restore.cnf', '--move-back', '--target-dir=/r/0', '--parallel=4']);
  });

  test('binlog replay starts at the backup position and stops at the target second', () => {
    expect(binlogReplayCommand(MARIABACKUP_TOOL, ['/b/mysql-bin.000003', '/b/mysql-bin.000004'], 1234, '2026-11-23 06:00:00')).toEqual([
      'mysqlbinlog', '--start-position=1234', '--stop-datetime=2026-11-23 06:00:00', '/b/mysql-bin.000003', '/b/mysql-bin.000004',
    ]);
  });

  test('option files carry the password, quoted, and include the server config', () => {
    const text = renderBackupDefaultsFile({ serverDefaultsFile: '/etc/mysql/my.cnf', user: 'backup', password: 'p"a\\ss#1', socket: '/run/mysqld/mysqld.sock' });
    expect(text).toBe('!include /etc/mysql/my.cnf\n[xtrabackup]\nuser="backup"\npassword="p\\"a\\\\ss#1"\nsocket="/run/mysqld/mysqld.sock"\n');
    expect(renderBackupDefaultsFile({ user: 'u', host: 'db.internal', port: 3307 })).toBe('[xtrabackup]\nuser="u"\nhost="db.internal"\nport=3307\n');
    expect(renderRestoreDefaultsFile('/var/lib/mysql-restored')).toBe('[mysqld]\ndatadir="/var/lib/mysql-restored"\n');
    expect(() => optionValue('a\nb')).toThrow(/line breaks/);
  });
});
