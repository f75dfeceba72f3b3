/**
 * Parsing of pgBackRest's output (`info --output=json`, `verify --output=text --verbose`) and
 * translation of its errors into messages an operator can act on. Pure functions, unit-tested.
 */

export interface PgBackRestBackup {
  readonly label: string;
  readonly type: string;
  readonly prior: string | null;
  readonly lsnStart: string;
  readonly lsnStop: string;
  readonly walStart: string;
  readonly walStop: string;
  readonly startEpoch: number;
  readonly stopEpoch: number;
  /** Size of the database at backup time. */
  readonly databaseBytes: number;
  /** Bytes this backup copied from the database (differs from databaseBytes for diff/incr). */
  readonly deltaBytes: number;
  /** Bytes of the whole backup in the repository (compressed), and of what this backup added. */
  readonly repositoryBytes: number;
  readonly repositoryDeltaBytes: number;
  readonly error: boolean;
}

export interface PgBackRestStanzaInfo {
  readonly name: string;
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly backups: PgBackRestBackup[];
  readonly archiveMin?: string;
  readonly archiveMax?: string;
  /** Archive id of the current database (e.g. `15-1`): the folder of its WAL under archive/<stanza>/. */
  readonly archiveId?: string;
}

/** Parses `pgbackrest info --output=json` and returns the stanza's entry. */
export function parseInfoJson(text: string, stanza: string): PgBackRestStanzaInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`pgbackrest info did not print JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error('pgbackrest info did not print a JSON array');
  const entry = parsed.find((s: { name?: string }) => s?.name === stanza) as Record<string, any> | undefined;
  if (!entry) throw new Error(`pgbackrest info has no stanza '${stanza}'`);
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  const backups: PgBackRestBackup[] = (Array.isArray(entry.backup) ? entry.backup : []).map((b: Record<string, any>) => ({
    label: String(b.label),
    type: String(b.type),
    prior: typeof b.prior === 'string' ? b.prior : null,
    lsnStart: String(b.lsn?.start ?? ''),
    lsnStop: String(b.lsn?.stop ?? ''),
    walStart: String(b.archive?.start ?? ''),
    walStop: String(b.archive?.stop ?? ''),
    startEpoch: num(b.timestamp?.start),
    stopEpoch: num(b.timestamp?.stop),
    databaseBytes: num(b.info?.size),
    deltaBytes: num(b.info?.delta),
    repositoryBytes: num(b.info?.repository?.size),
    repositoryDeltaBytes: num(b.info?.repository?.delta),
    error: b.error === true,
  }));
  const archives = Array.isArray(entry.archive) ? entry.archive : [];
  const current = archives[archives.length - 1];
  return {
    name: stanza,
    // -1 when absent: an info without a status must not read as 'ok'.
    statusCode: typeof entry.status?.code === 'number' ? entry.status.code : -1,
    statusMessage: String(entry.status?.message ?? ''),
    backups,
    ...(current?.min ? { archiveMin: String(current.min) } : {}),
    ...(current?.max ? { archiveMax: String(current.max) } : {}),
    ...(current?.id ? { archiveId: String(current.id) } : {}),
  };
}

/** The backup a job just made: the one whose label was not there before (newest if several). */
export function newBackup(before: readonly PgBackRestBackup[], after: readonly PgBackRestBackup[]): PgBackRestBackup | undefined {
  const known = new Set(before.map((b) => b.label));
  const fresh = after.filter((b) => !known.has(b.label));
  return fresh[fresh.length - 1];
}

export interface VerifiedBackup {
  readonly label: string;
  readonly status: string;
  readonly filesChecked: number;
  readonly filesValid: number;
}

export interface VerifyReport {
  readonly status: string;
  readonly walChecked: number;
  readonly walValid: number;
  readonly backups: VerifiedBackup[];
}

/** Parses `pgbackrest verify --output=text --verbose` (2.45 format). */
export function parseVerifyText(text: string): VerifyReport {
  const status = /^status:\s*(\S+)/m.exec(text)?.[1] ?? 'unknown';
  let walChecked = 0; let walValid = 0;
  for (const m of text.matchAll(/archiveId:\s*\S+,\s*total WAL checked:\s*(\d+),\s*total valid WAL:\s*(\d+)/g)) {
    walChecked += Number(m[1]);
    walValid += Number(m[2]);
  }
  const backups: VerifiedBackup[] = [];
  for (const m of text.matchAll(/backup:\s*(\S+),\s*status:\s*([^,]+),\s*total files checked:\s*(\d+),\s*total valid files:\s*(\d+)/g)) {
    backups.push({ label: m[1], status: m[2].trim(), filesChecked: Number(m[3]), filesValid: Number(m[4]) });
  }
  return { status, walChecked, walValid, backups };
}

/** Problems in a verify report, for the backup `label` (or all when undefined). Empty means good. */
export function verifyProblems(report: VerifyReport, label?: string): string[] {
  const problems: string[] = [];
  if (report.status !== 'ok') problems.push(`pgbackrest verify reported status '${report.status}'`);
  if (report.backups.length === 0) {
    // A listing that returns nothing must not look like a clean repository.
    problems.push('pgbackrest verify checked no backup at all (empty or unreadable repository listing)');
  }
  for (const b of report.backups) {
    if (b.status !== 'valid') problems.push(`backup ${b.label} is ${b.status} (${b.filesValid}/${b.filesChecked} files valid)`);
    else if (b.filesChecked === 0) problems.push(`backup ${b.label} had no files checked`);
  }
  if (label !== undefined && !report.backups.some((b) => b.label === label)) {
    problems.push(`backup ${label} was not among the backups pgbackrest verify checked`);
  }
  if (report.walChecked === 0) problems.push('pgbackrest verify checked no archived WAL');
  if (report.walValid < report.walChecked) problems.push(`${report.walChecked - report.walValid} of ${report.walChecked} archived WAL segments are invalid`);
  return problems;
}

/** Replaces bytes that are not printable text (decrypting with a wrong key prints binary). */
export function printable(text: string): string {
  return text.replace(/[^\x09\x0a\x20-\x7e]+/g, '?');
}

/**
 * An operator-facing explanation for a failed pgBackRest command, or undefined when its own
 * message is clear enough. Returns the error kind that decides the exit code.
 */
export function explainFailure(
  stderr: string,
  context: { repoPath?: string; freeBytes?: (path: string) => number | undefined } = {},
): { kind: 'config' | 'database' | 'storage'; message: string } | undefined {
  const t = printable(stderr);
  // Out of space (ENOSPC 28, EDQUOT 122) wherever pgBackRest writes: the repository volume, or a
  // restore target's disk. pgBackRest reports it as FileWriteError [064] (or a path/sync error)
  // with the system error after the path.
  const space = /'([^']+)': \[(?:28|122)\] (No space left on device|Disk quota exceeded)/.exec(t);
  if (space) {
    const inRepo = context.repoPath !== undefined && isUnder(space[1], context.repoPath);
    return {
      kind: 'storage',
      message: inRepo
        ? `the repository is out of space (${space[2].toLowerCase()} writing ${space[1]}): grow the volume or lower the retention`
        : `out of space (${space[2].toLowerCase()}) writing ${space[1]}`,
    };
  }
  // File and path errors on the repository's own files: the repository volume failed (read-only, permissions, I/O).
  const repoFile = /\[(FileWriteError|FileOpenError|FileSyncError|FileRemoveError|FileMoveError|PathCreateError|PathOpenError|PathSyncError|PathRemoveError)\]|ERROR: \[(?:041|047|052|053|054|060|061|063|064)\]/.test(t)
    ? /'(\/[^']+)'/g : undefined;
  if (repoFile && context.repoPath) {
    for (const m of t.matchAll(repoFile)) {
      if (isUnder(m[1], context.repoPath)) {
        // After its retries pgBackRest may report a bare FileWriteError without the system error:
        // a volume with almost no space left is still the likely cause, and the fix is the same.
        const free = /FileWriteError|\[064\]/.test(t) ? context.freeBytes?.(m[1]) : undefined;
        if (free !== undefined && free < NEARLY_FULL_BYTES) {
          return {
            kind: 'storage',
            message: `the repository is out of space (${free} bytes left on the volume after a write failed for ${m[1]}): grow the volume or lower the retention`,
          };
        }
        return { kind: 'storage', message: `the posix repository ${context.repoPath} cannot be written or read (${m[1]})` };
      }
    }
  }
  if (/unable to load info file/.test(t) && /(FormatError|CryptoError|key\/value found outside of section|cipher)/i.test(t)) {
    return {
      kind: 'config',
      message: 'the repository info files cannot be decrypted: the repository cipher passphrase (RUNNER_PGBACKREST_CIPHER_PASS) is wrong, or the repository is damaged',
    };
  }
  if (/CryptoError/.test(t)) {
    return { kind: 'config', message: 'decryption failed: the repository cipher passphrase (RUNNER_PGBACKREST_CIPHER_PASS) is wrong, or the repository is damaged' };
  }
  if (/\[039\]|HostConnectError|unable to connect to '[^']*:\d+'/.test(t)) {
    return { kind: 'database', message: 'cannot reach `pgbackrest server` on the database host (TLS): is it running and is the port open to the runner?' };
  }
  if (/\[04[0-9]\].*(S3|http|HTTP)|S3 request failed|HttpError|unable to connect to .*:443|repo1: \[.*\] .*(S3|AccessDenied)/.test(t)) {
    return { kind: 'storage', message: 'the S3 repository refused or could not be reached' };
  }
  return undefined;
}

/** Below this many free bytes a repository volume is full for any backup. */
export const NEARLY_FULL_BYTES = 16 * 1024 * 1024;

function isUnder(path: string, dir: string): boolean {
  const d = dir.replace(/\/+$/, '');
  return path === d || path.startsWith(d + '/');
}

/** The time (epoch seconds) `repo-ls --output=json` reports for the archived file of WAL segment `segment`. */
export function archivedSegmentTime(repoLsJson: string, segment: string): number | undefined {
  let parsed: unknown;
  try { parsed = JSON.parse(repoLsJson); } catch { return undefined; }
  if (!parsed || typeof parsed !== 'object') return undefined;
  for (const [name, entry] of Object.entries(parsed as Record<string, { type?: string; time?: number }>)) {
    if (name.startsWith(`${segment}-`) && entry?.type === 'file' && typeof entry.time === 'number') return entry.time;
  }
  return undefined;
}

/** Epoch milliseconds of a --target-time (the forms TARGET_TIME_RE accepts); NaN when it is not a time. */
export function targetTimeMs(t: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(.*)$/.exec(t);
  if (!m) return NaN;
  let zone = m[4];
  if (zone === 'UTC' || zone === 'Z') zone = 'Z';
  else {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!z) return NaN;
    zone = `${z[1]}${z[2]}:${z[3] ?? '00'}`;
  }
  const frac = m[3] ? m[3].slice(0, 4) : '';
  return Date.parse(`${m[1]}T${m[2]}${frac}${zone}`);
}

/** `2026-11-23 05:52:17+00`: the form of times in messages (UTC, whole seconds, PostgreSQL's syntax). */
export function pgUtc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00');
}
