/**
 * mysqldump engine (MariaDB 10.x and MySQL 8): a consistent InnoDB snapshot with
 * `--single-transaction`, routines, triggers and events, and the binlog coordinates of the
 * snapshot (`--master-data=2`, or `--source-data=2` on MySQL ≥ 8.0.26) recorded in the manifest so
 * binlogs can be replayed from exactly there. Streamed through zstd to storage; restored with the
 * mysql client. The password goes into a 0600 defaults file in the spool, never argv.
 */
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connectionFrom, DbConnection } from '../core/connection';
import type { BackupResult, Engine, JobContext, VerifyResult } from '../core/engine';
import { VerificationError } from '../core/errors';
import type { Manifest } from '../../../runtime/manifest';
import { fromCatalog, registerEngine } from '../core/registry';
import { probeMariaDbReplica } from '../core/replica-probe';
import { matchTables, requestedTables, TABLES_OPTION } from '../core/table-selection';
import { DumpTableLister, TableSectionFilter } from './mysqldump-tables';

export const DUMP_OBJECT = 'dump.sql.zst';
const DEFAULTS = { port: 3306, user: 'root' };

/** `--source-data` replaced `--master-data` in MySQL 8.0.26; MariaDB keeps `--master-data`. */
export function binlogPositionFlag(versionLine: string): string {
  if (/mariadb/i.test(versionLine)) return '--master-data=2';
  const m = /Ver (\d+)\.(\d+)\.(\d+)/.exec(versionLine);
  if (m) {
    const [maj, min, patch] = m.slice(1).map(Number);
    if (maj > 8 || (maj === 8 && (min > 0 || patch >= 26))) return '--source-data=2';
  }
  return '--master-data=2';
}

/** A [client] option file; values are double-quoted with backslash escapes as the MySQL option-file parser expects. */
export function clientDefaultsFile(conn: DbConnection): string {
  const q = (v: string) => '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  return ['[client]', `user=${q(conn.user)}`, ...(conn.password ? [`password=${q(conn.password)}`] : []), `host=${q(conn.host)}`, `port=${conn.port}`, ''].join('\n');
}

export function mysqldumpArgs(defaultsFile: string, positionFlag: string, database: string | undefined): string[] {
  // --defaults-extra-file must be the first argument.
  return [`--defaults-extra-file=${defaultsFile}`, '--single-transaction', '--quick', '--routines', '--triggers', '--events', '--hex-blob',
    // One database: no CREATE DATABASE/USE in the dump, so it restores into any --target-db.
    positionFlag, ...(database ? [database] : ['--all-databases'])];
}

export function mysqlClientArgs(defaultsFile: string, database?: string): string[] {
  return [`--defaults-extra-file=${defaultsFile}`, '--batch', ...(database ? [database] : [])];
}

/** Binlog coordinates from the dump's CHANGE MASTER / CHANGE REPLICATION SOURCE comment. */
export function parseBinlogPosition(text: string): { binlogFile: string; binlogPosition: string } | undefined {
  const m = /(?:MASTER|SOURCE)_LOG_FILE='([^']+)',\s*(?:MASTER|SOURCE)_LOG_POS=(\d+)/.exec(text);
  return m ? { binlogFile: m[1], binlogPosition: m[2] } : undefined;
}

/** Passes the dump through and picks the binlog coordinates out of its head. */
class BinlogPositionScanner extends Transform {
  position?: { binlogFile: string; binlogPosition: string };
  gtid?: string;
  private head = '';
  private done = false;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (!this.done) {
      this.head += chunk.toString('latin1');
      this.position = parseBinlogPosition(this.head);
      const g = /gtid_slave_pos='([^']*)'/.exec(this.head);
      if (g) this.gtid = g[1];
      // The coordinates are in the first few lines; stop looking after 1 MiB.
      if (this.position || this.head.length > 1024 * 1024) { this.done = true; this.head = ''; }
    }
    cb(null, chunk);
  }
}

/** Reads the last bytes of a stream (the dump trailer). */
class Tail extends Transform {
  text = '';
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.text = (this.text + chunk.toString('latin1')).slice(-4096);
    cb();
  }
}

function quoteIdent(s: string): string {
  return '`' + s.replace(/`/g, '``') + '`';
}

const engine: Engine = {
  ...fromCatalog('mysqldump'),
  requiredTools: ['mysqldump', 'mysql', 'zstd'],
  toolsFor: (c) => (c === 'backup' ? ['mysqldump', 'zstd'] : c === 'restore' ? ['mysql', 'zstd'] : c === 'verify' ? ['zstd'] : c === 'check' ? ['mysql'] : []),
  options: [TABLES_OPTION],
  validate(command, o) {
    const p: string[] = [];
    if ((command === 'backup' || command === 'check') && !o.str('db-host')) p.push(`--db-host (or RUNNER_DB_HOST) is required for ${command}`);
    if (command === 'restore' && !o.str('target-host')) p.push('--target-host (or RUNNER_TARGET_HOST) is required for restore');
    if (o.has('tables') && command !== 'restore') p.push(`--tables only applies to restore, got it for ${command}`);
    if (o.has('tables') && command === 'restore' && !o.str('target-db')) p.push('--target-db (or RUNNER_TARGET_DB) is required with --tables: the scratch database the tables are restored into');
    return p;
  },

  async check(job: JobContext): Promise<void> {
    const conn = connectionFrom(job.options, 'db', DEFAULTS);
    const defaults = job.spool.writeSecretFile('source.cnf', clientDefaultsFile(conn));
    const version = await job.proc.run({ cmd: job.tool('mysql'), args: [...mysqlClientArgs(defaults), '--skip-column-names', '-e', 'SELECT VERSION()'],
      label: 'mysql (check)', failureKind: 'database' });
    job.log.info('database reachable', { serverVersion: version.trim() });
  },

  async replicaStatus(job) {
    return probeMariaDbReplica(connectionFrom(job.options, 'db', DEFAULTS));
  },

  async backup(job: JobContext): Promise<BackupResult> {
    const conn = connectionFrom(job.options, 'db', DEFAULTS);
    const version = await job.recordToolVersion('mysqldump');
    await job.recordToolVersion('zstd', ['-V']);
    const defaults = job.spool.writeSecretFile('source.cnf', clientDefaultsFile(conn));
    const flag = binlogPositionFlag(version);
    const dump = job.proc.start({ cmd: job.tool('mysqldump'), args: mysqldumpArgs(defaults, flag, conn.database), label: 'mysqldump', failureKind: 'database' });
    const scanner = new BinlogPositionScanner();
    dump.stdout!.on('error', (e) => scanner.destroy(e));
    await job.upload(DUMP_OBJECT, dump.stdout!.pipe(scanner), { producer: dump });
    if (!scanner.position) {
      // Without binary logging there are no coordinates; the dump is still consistent, but say so.
      job.log.warn('the dump has no binlog coordinates (is log_bin enabled on the source?); point-in-time replay from this dump is not possible');
    }
    return {
      position: { ...(scanner.position ?? {}), ...(scanner.gtid !== undefined ? { gtid: scanner.gtid } : {}) },
      details: { databases: conn.database ? [conn.database] : 'all', positionFlag: flag },
    };
  },

  async restore(job: JobContext): Promise<void> {
    const tables = requestedTables(job.options.str('tables'));
    const m = await job.selectManifest();
    const obj = m.objects.find((o) => o.key.endsWith('/' + DUMP_OBJECT));
    if (!obj) throw new VerificationError(`backup ${m.backupId} has no ${DUMP_OBJECT}`);
    const target = connectionFrom(job.options, 'target', DEFAULTS);
    const defaults = job.spool.writeSecretFile('target.cnf', clientDefaultsFile(target));
    const dumped = Array.isArray(m.details.databases) ? (m.details.databases as string[]) : undefined;
    const single = m.details.databases !== 'all';
    if (single && !target.database) throw new VerificationError(`backup ${m.backupId} holds one database: --target-db is required to restore it`);
    let filter: TableSectionFilter | undefined;
    if (tables) {
      // A first pass over the stream lists its tables: a name the dump lacks is refused before anything is written.
      const lister = new DumpTableLister(dumped?.[0]);
      await pipeline(await job.download(obj.key, { sha256: obj.sha256 }), lister);
      const chosen = matchTables(tables, lister.tables, dumped?.[0], m.backupId);
      filter = new TableSectionFilter(chosen, dumped?.[0]);
      job.log.info('tables selected', { backupId: m.backupId, tables: chosen.map((t) => `${t.schema}.${t.table}`), tablesInDump: lister.tables.length });
    }
    if (single || tables) {
      await job.proc.run({ cmd: job.tool('mysql'), args: [...mysqlClientArgs(defaults), '-e', `CREATE DATABASE IF NOT EXISTS ${quoteIdent(target.database!)}`],
        label: 'mysql (create database)', failureKind: 'database' });
    }
    const download = await job.download(obj.key, { sha256: obj.sha256 });
    // A download error (hash mismatch) fails the filter, which fails the import.
    if (filter) download.on('error', (e) => filter.destroy(e));
    const input: Readable = filter ? download.pipe(filter) : download;
    await job.proc.run({ cmd: job.tool('mysql'), args: mysqlClientArgs(defaults, single || tables ? target.database : undefined), stdin: input,
      label: 'mysql (import)', failureKind: 'database' });
    job.log.info('import finished', { backupId: m.backupId, target: `${target.host}:${target.port}/${target.database ?? '*'}`,
      ...(filter ? { tables: [...filter.seen] } : {}) });
  },

  async verify(job: JobContext, m: Manifest): Promise<VerifyResult> {
    const obj = m.objects.find((o) => o.key.endsWith('/' + DUMP_OBJECT));
    if (!obj) throw new VerificationError(`backup ${m.backupId} has no ${DUMP_OBJECT}`);
    const tail = new Tail();
    await pipeline(await job.download(obj.key, { sha256: obj.sha256 }), tail);
    // mysqldump writes this trailer only when it finished without error.
    if (!/-- Dump completed/.test(tail.text)) throw new VerificationError(`${obj.key} does not end with mysqldump's "-- Dump completed" trailer: the dump is truncated`);
    return { checks: ['mysqldump trailer "-- Dump completed" present'] };
  },
};

registerEngine(engine);
