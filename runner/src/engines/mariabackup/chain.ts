/**
 * The LSN chain of physical MySQL/MariaDB backups. Each backup stores a small state object in the
 * bucket next to its manifest: its LSN range (from the tool's xtrabackup_checkpoints, copied
 * verbatim so the next incremental can rebuild `--incremental-basedir` from it), its parent and
 * the binlog position it is consistent with. Restore walks parents back to the full backup.
 *
 * Pure: parsing and chain resolution only; the engine does the storage I/O.
 */

export interface Checkpoints {
  readonly backupType: string;
  readonly fromLsn: string;
  readonly toLsn: string;
  readonly lastLsn?: string;
}

/** Parses xtrabackup_checkpoints (`key = value` lines). LSNs stay strings: they exceed 2^53. */
export function parseCheckpoints(text: string): Checkpoints {
  const kv = parseKeyValues(text);
  const backupType = kv.get('backup_type');
  const fromLsn = kv.get('from_lsn');
  const toLsn = kv.get('to_lsn');
  if (!backupType || !fromLsn || !toLsn || !/^\d+$/.test(fromLsn) || !/^\d+$/.test(toLsn)) {
    throw new Error(`xtrabackup_checkpoints is incomplete or malformed: ${JSON.stringify(text.slice(0, 300))}`);
  }
  return { backupType, fromLsn, toLsn, lastLsn: kv.get('last_lsn') };
}

export interface BinlogPosition {
  readonly file: string;
  readonly position: number;
  readonly gtid?: string;
}

/**
 * The binlog coordinates the backup is consistent with, from xtrabackup_info's `binlog_pos`
 * (`filename 'mysql-bin.000001', position '10452', GTID of the last change '0-1-7'`).
 * Undefined when the server has no binary log.
 */
export function parseBinlogPosition(xtrabackupInfo: string): BinlogPosition | undefined {
  const line = parseKeyValues(xtrabackupInfo).get('binlog_pos');
  if (!line) return undefined;
  const m = line.match(/filename '([^']+)', position '(\d+)'(?:, GTID of the last change '([^']*)')?/);
  if (!m) return undefined;
  return { file: m[1], position: Number(m[2]), gtid: m[3] || undefined };
}

/** Tool versions from xtrabackup_info, for the manifest. */
export function parseToolInfo(xtrabackupInfo: string): { toolVersion?: string; serverVersion?: string } {
  const kv = parseKeyValues(xtrabackupInfo);
  return { toolVersion: kv.get('tool_version'), serverVersion: kv.get('server_version') };
}

function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

export type PhysicalBackupType = 'full' | 'incremental';

/** Stored as `<backup prefix>/<id>/lsn-state.json`. */
export interface ChainLink {
  readonly version: 1;
  readonly engine: string;
  readonly backupId: string;
  readonly type: PhysicalBackupType;
  /** The backup this incremental applies onto (undefined for a full). */
  readonly parentId?: string;
  readonly fromLsn: string;
  readonly toLsn: string;
  /** xtrabackup_checkpoints exactly as the tool wrote it. */
  readonly checkpoints: string;
  /** Object key of the xbstream (zstd) of this backup. */
  readonly streamKey: string;
  readonly binlog?: BinlogPosition;
  /** ISO time the backup finished (the stream's consistency point is at most this). */
  readonly stoppedAt: string;
}

/** Validates a state object read back from the bucket. */
export function parseChainLink(text: string, where: string): ChainLink {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw new Error(`${where}: not JSON (${(e as Error).message})`); }
  const o = v as Partial<ChainLink>;
  const problems: string[] = [];
  if (!o || typeof o !== 'object') throw new Error(`${where}: not an object`);
  if (o.version !== 1) problems.push(`version must be 1, got ${JSON.stringify(o.version)}`);
  if (typeof o.backupId !== 'string' || !o.backupId) problems.push('backupId is missing');
  if (o.type !== 'full' && o.type !== 'incremental') problems.push(`type must be full or incremental, got ${JSON.stringify(o.type)}`);
  if (o.type === 'incremental' && !o.parentId) problems.push('an incremental needs parentId');
  if (typeof o.checkpoints !== 'string') problems.push('checkpoints is missing');
  if (typeof o.streamKey !== 'string' || !o.streamKey) problems.push('streamKey is missing');
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
  return o as ChainLink;
}

/**
 * Resolves the chain ending at `backupId`, full first. Checks that every incremental starts at
 * the LSN its parent ended at (a gap means the chain cannot be prepared) and refuses cycles.
 */
export async function resolveChain(backupId: string, load: (id: string) => Promise<ChainLink>, maxLength = 1000): Promise<ChainLink[]> {
  const chain: ChainLink[] = [];
  const seen = new Set<string>();
  let id: string | undefined = backupId;
  while (id !== undefined) {
    if (seen.has(id)) throw new Error(`backup chain of ${backupId} has a cycle at ${id}`);
    if (chain.length >= maxLength) throw new Error(`backup chain of ${backupId} is longer than ${maxLength}`);
    seen.add(id);
    const link = await load(id);
    if (link.backupId !== id) throw new Error(`state of backup ${id} names backup ${link.backupId}`);
    chain.unshift(link);
    id = link.type === 'incremental' ? link.parentId : undefined;
  }
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1];
    const child = chain[i];
    if (BigInt(child.fromLsn) !== BigInt(parent.toLsn)) {
      throw new Error(`backup chain is broken: ${child.backupId} starts at LSN ${child.fromLsn} but its parent ${parent.backupId} ends at ${parent.toLsn}`);
    }
  }
  return chain;
}

/** The xtrabackup_checkpoints text to place in a reconstructed `--incremental-basedir`. */
export function basedirCheckpoints(parent: ChainLink): string {
  // Only to_lsn is read from the base dir; the rest is kept as written for diagnosis.
  return parent.checkpoints.endsWith('\n') ? parent.checkpoints : parent.checkpoints + '\n';
}
