/**
 * Command lines for physical MySQL/MariaDB backups, shared by the `mariabackup` engine (MariaDB's
 * fork, installed here) and the `xtrabackup` engine (Percona XtraBackup, for MySQL / Percona
 * Server; not installable on Debian 12). Both tools take the same flags for the steps this runner
 * uses; the differences live in one `PhysicalBackupTool` object each, so a change to one command
 * line is a change to both.
 *
 * Pure functions: no I/O, so tests assert the exact argv.
 */

/** What differs between mariabackup and Percona XtraBackup. */
export interface PhysicalBackupTool {
  /** Engine name on the runner CLI (`--engine`). */
  readonly engine: string;
  /** The backup binary. */
  readonly binary: string;
  /** The xbstream extractor shipped with it (`mbstream` for MariaDB, `xbstream` for Percona). */
  readonly extractor: string;
  /** The binlog reader used for point-in-time replay. */
  readonly binlogReader: string;
  /** The client that replays SQL into a server. */
  readonly client: string;
  /**
   * Percona XtraBackup needs `--apply-log-only` on every prepare of a chain except the last (or
   * uncommitted transactions are rolled back and later incrementals no longer apply); mariabackup
   * 10.5+ keeps no undo phase in prepare and treats the flag as a no-op, so it is left out.
   */
  readonly needsApplyLogOnly: boolean;
  /** Installation hint for the missing-tool error. */
  readonly installHint: string;
}

export const MARIABACKUP_TOOL: PhysicalBackupTool = {
  engine: 'mariabackup',
  binary: 'mariabackup',
  extractor: 'mbstream',
  binlogReader: 'mysqlbinlog',
  client: 'mariadb',
  needsApplyLogOnly: false,
  installHint: 'install the Debian package mariadb-backup (same major version as the server)',
};

export const XTRABACKUP_TOOL: PhysicalBackupTool = {
  engine: 'xtrabackup',
  binary: 'xtrabackup',
  extractor: 'xbstream',
  binlogReader: 'mysqlbinlog',
  client: 'mysql',
  needsApplyLogOnly: true,
  installHint: 'install Percona XtraBackup (percona-xtrabackup-80 from repo.percona.com) matching the MySQL server version; it is not packaged by Debian',
};

export interface BackupCommandOptions {
  /**
   * Option file the tool reads first. The runner renders it (mode 0600): it includes the server's
   * my.cnf and adds the connection user and password, so no secret is on the argv.
   */
  readonly defaultsFile: string;
  /** Scratch directory the tool requires even when streaming (holds no data copy). */
  readonly targetDir: string;
  /** Small local directory that receives xtrabackup_checkpoints / xtrabackup_info. */
  readonly extraLsnDir: string;
  /** For an incremental: a directory holding the previous backup's xtrabackup_checkpoints. */
  readonly incrementalBaseDir?: string;
  /** Copy threads. @default 1 (tool default) */
  readonly parallel?: number;
  /** Run with --safe-slave-backup (replicas: pause the SQL thread while non-InnoDB files copy). */
  readonly safeSlaveBackup?: boolean;
}

/**
 * `--defaults-file` must be the first argument: both tools parse the option-file flags only in
 * first position and silently read /etc/my.cnf otherwise.
 */
export function backupCommand(tool: PhysicalBackupTool, o: BackupCommandOptions): string[] {
  const argv = [tool.binary, `--defaults-file=${o.defaultsFile}`, '--backup', '--stream=xbstream',
    `--target-dir=${o.targetDir}`, `--extra-lsndir=${o.extraLsnDir}`];
  if (o.incrementalBaseDir) argv.push(`--incremental-basedir=${o.incrementalBaseDir}`);
  if (o.parallel && o.parallel > 1) argv.push(`--parallel=${o.parallel}`);
  if (o.safeSlaveBackup) argv.push('--safe-slave-backup');
  return argv;
}

/** Unpacks an xbstream read from stdin into `dir`. */
export function extractCommand(tool: PhysicalBackupTool, dir: string, parallel?: number): string[] {
  const argv = [tool.extractor, '-x', '-C', dir];
  if (tool.extractor === 'xbstream' && parallel && parallel > 1) argv.push(`--parallel=${parallel}`);
  return argv;
}

/**
 * The prepare steps for a chain: the full first, then each incremental in order, applied onto the
 * full's directory. `--defaults-file` is not passed: prepare works on the backup's own
 * backup-my.cnf, and `--no-defaults` (also first-position only) keeps a host's /etc/my.cnf out.
 */
export function prepareCommands(tool: PhysicalBackupTool, fullDir: string, incrementalDirs: readonly string[], useMemory?: string): string[][] {
  const steps: string[][] = [];
  const total = 1 + incrementalDirs.length;
  for (let i = 0; i < total; i++) {
    const argv = [tool.binary, '--no-defaults', '--prepare', `--target-dir=${fullDir}`];
    if (i > 0) argv.push(`--incremental-dir=${incrementalDirs[i - 1]}`);
    if (tool.needsApplyLogOnly && i < total - 1) argv.push('--apply-log-only');
    if (useMemory) argv.push(`--use-memory=${useMemory}`);
    steps.push(argv);
  }
  return steps;
}

export interface CopyBackOptions {
  /** Option file naming the target datadir (rendered by the runner). */
  readonly defaultsFile: string;
  /** The prepared full backup. */
  readonly preparedDir: string;
  /** Move files instead of copying (halves disk use; the prepared copy is gone after). */
  readonly move?: boolean;
  readonly parallel?: number;
}

export function copyBackCommand(tool: PhysicalBackupTool, o: CopyBackOptions): string[] {
  const argv = [tool.binary, `--defaults-file=${o.defaultsFile}`, o.move ? '--move-back' : '--copy-back',
    `--target-dir=${o.preparedDir}`];
  if (o.parallel && o.parallel > 1) argv.push(`--parallel=${o.parallel}`);
  return argv;
}

/**
 * Reads binlog events from `startPosition` in the first file up to `stopDatetime` (runner-local
 * time, `YYYY-MM-DD HH:MM:SS`): mysqlbinlog stops at the first event stamped at or after it, so
 * events stamped in that second are not included (pitr.ts passes the second after the target).
 */
export function binlogReplayCommand(tool: PhysicalBackupTool, files: readonly string[], startPosition: number, stopDatetime?: string): string[] {
  const argv = [tool.binlogReader, `--start-position=${startPosition}`];
  if (stopDatetime) argv.push(`--stop-datetime=${stopDatetime}`);
  argv.push(...files);
  return argv;
}

/** Quotes an option-file value (my.cnf accepts double-quoted values with backslash escapes). */
export function optionValue(v: string): string {
  if (/[\n\r]/.test(v)) throw new Error('option-file values cannot contain line breaks');
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface BackupDefaultsFileOptions {
  /** The server's my.cnf (datadir, innodb settings); included, not copied. */
  readonly serverDefaultsFile?: string;
  readonly user: string;
  readonly password?: string;
  readonly host?: string;
  readonly port?: number;
  readonly socket?: string;
}

/**
 * Renders the option file given as `--defaults-file`. The `[xtrabackup]` group is read by both
 * tools (mariabackup reads it for compatibility), so one rendering serves both engines.
 */
export function renderBackupDefaultsFile(o: BackupDefaultsFileOptions): string {
  const lines: string[] = [];
  if (o.serverDefaultsFile) lines.push(`!include ${o.serverDefaultsFile}`);
  lines.push('[xtrabackup]', `user=${optionValue(o.user)}`);
  if (o.password !== undefined) lines.push(`password=${optionValue(o.password)}`);
  if (o.host) lines.push(`host=${optionValue(o.host)}`);
  if (o.port) lines.push(`port=${o.port}`);
  if (o.socket) lines.push(`socket=${optionValue(o.socket)}`);
  return lines.join('\n') + '\n';
}

/** Option file for copy-back: only the target datadir (and the server's layout, if given). */
export function renderRestoreDefaultsFile(targetDataDir: string, serverDefaultsFile?: string): string {
  const lines: string[] = [];
  if (serverDefaultsFile) lines.push(`!include ${serverDefaultsFile}`);
  lines.push('[mysqld]', `datadir=${optionValue(targetDataDir)}`);
  return lines.join('\n') + '\n';
}
