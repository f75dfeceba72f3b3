/**
 * pg_dump engine: `pg_dump -Fc -Z0 | zstd -T0 -3 → S3 multipart` (zstd is ~3× faster than
 * pg_dump's built-in gzip at a similar ratio), restore with `pg_restore -j N`, verify with
 * `pg_restore --list` on the stored stream. Works on RDS/Aurora and self-managed PostgreSQL.
 */
import { ConfigurationError } from '../../../runtime/errors';
import { Client } from 'pg';
import { pipeline } from 'node:stream/promises';
import { connectionFrom, DbConnection } from '../core/connection';
import type { BackupResult, Engine, JobContext, VerifyResult } from '../core/engine';
import { DatabaseError, VerificationError } from '../core/errors';
import type { Manifest } from '../../../runtime/manifest';
import { fromCatalog, registerEngine } from '../core/registry';
import { probePostgresReplica } from '../core/replica-probe';
import { DumpTable, matchTables, requestedTables, TABLES_OPTION } from '../core/table-selection';

export const DUMP_OBJECT = 'dump.pgc.zst';
const DEFAULTS = { port: 5432, user: 'postgres', database: 'postgres' };

/** libpq settings for a child: the password travels in PGPASSWORD, never in argv. */
export function pgEnv(conn: DbConnection): Record<string, string> {
  return { ...(conn.password ? { PGPASSWORD: conn.password } : {}), PGCONNECT_TIMEOUT: '15', PGAPPNAME: 'cdk-database-dr-runner' };
}

export function pgDumpArgs(conn: DbConnection): string[] {
  return ['--format=custom', '--compress=0', '--no-password', '--host', conn.host, '--port', String(conn.port),
    '--username', conn.user, '--dbname', conn.database ?? DEFAULTS.database];
}

export function pgRestoreArgs(conn: DbConnection, archive: string, jobs: number, noOwner: boolean, clean: boolean): string[] {
  return ['--no-password', '--exit-on-error', `--jobs=${jobs}`, '--host', conn.host, '--port', String(conn.port),
    '--username', conn.user, '--dbname', conn.database ?? DEFAULTS.database,
    ...(noOwner ? ['--no-owner', '--no-privileges'] : []), ...(clean ? ['--clean', '--if-exists'] : []), archive];
}

async function withClient<T>(conn: DbConnection, database: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password || undefined, database, connectionTimeoutMillis: 15000 });
  try {
    await c.connect();
    return await fn(c);
  } catch (e) {
    throw new DatabaseError(`PostgreSQL ${conn.host}:${conn.port}/${database}: ${(e as Error).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Major version of a PostgreSQL server from server_version_num (150004 → 15, 90624 → 9.6). */
function serverMajor(versionNum: number): number {
  return versionNum >= 100000 ? Math.floor(versionNum / 10000) : Math.floor(versionNum / 100) / 100;
}

/**
 * pg_dump refuses servers of a newer major version than its own ("server version mismatch"), after
 * the job has connected and started an upload. Say so up front, as the configuration problem it is:
 * the image's client is too old for this server. Undefined when the pair works (or the version line
 * cannot be read, in which case pg_dump itself decides).
 */
export function pgDumpTooOld(pgDumpVersionLine: string, serverVersionNum: number): string | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(pgDumpVersionLine);
  if (!m || !Number.isFinite(serverVersionNum) || serverVersionNum <= 0) return undefined;
  const client = Number(m[1]) >= 10 ? Number(m[1]) : Number(`${m[1]}.${m[2] ?? 0}`);
  const server = serverMajor(serverVersionNum);
  if (server <= client) return undefined;
  return `pg_dump ${client} cannot dump a PostgreSQL ${server} server (server_version_num ${serverVersionNum}; "${pgDumpVersionLine}"): `
    + `the runner image needs postgresql-client-${server} or newer (runner/apt-packages.txt)`;
}

/** One entry of `pg_restore --list` that belongs to a table: the table itself, its rows, its constraints. */
export interface TocEntry {
  /** The line as printed (fed back to `pg_restore --use-list`). */
  readonly line: string;
  readonly desc: 'TABLE' | 'TABLE DATA' | 'TABLE ATTACH' | 'CONSTRAINT' | 'FK CONSTRAINT';
  readonly schema: string;
  /** The tag without the owner: the table name (TABLE, TABLE DATA) or "table constraint" (CONSTRAINT). */
  readonly tag: string;
}

// "<dump id>; <catalog oid> <oid> <desc> <schema> <tag> <owner>"
const TOC_LINE = /^\d+; \d+ \d+ (TABLE DATA|TABLE ATTACH|FK CONSTRAINT|CONSTRAINT|TABLE) (\S+) (.+) (\S+)$/;

/** The table-related entries of a `pg_restore --list` output. */
export function parseToc(text: string): TocEntry[] {
  const out: TocEntry[] = [];
  for (const line of text.split('\n')) {
    const m = TOC_LINE.exec(line);
    if (m) out.push({ line, desc: m[1] as TocEntry['desc'], schema: m[2], tag: m[3] });
  }
  return out;
}

/** The tables of a TOC (not views, sequences or partitions' attachments). */
export function tocTables(entries: readonly TocEntry[]): DumpTable[] {
  return entries.filter((e) => e.desc === 'TABLE').map((e) => ({ schema: e.schema, table: e.tag }));
}

/**
 * The `--use-list` lines restoring the chosen tables: their definition, their rows, and their
 * primary key / unique / check constraints. Not restored: indexes, triggers, defaults (a serial's
 * default needs its sequence), foreign keys (they need the other tables) — a scratch copy to read
 * rows from does not need them, and the copy back goes into production's own table.
 */
export function tocLinesFor(entries: readonly TocEntry[], tables: readonly DumpTable[]): string[] {
  const wanted = (schema: string, name: string) => tables.some((t) => t.schema === schema && t.table === name);
  return entries.filter((e) => (e.desc === 'TABLE' || e.desc === 'TABLE DATA') ? wanted(e.schema, e.tag)
    : e.desc === 'CONSTRAINT' && tables.some((t) => t.schema === e.schema && e.tag.startsWith(t.table + ' '))).map((e) => e.line);
}

function quoteIdent(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}

const engine: Engine = {
  ...fromCatalog('pg-dump'),
  requiredTools: ['pg_dump', 'pg_restore', 'zstd'],
  toolsFor: (command) => (command === 'backup' ? ['pg_dump', 'zstd'] : command === 'restore' || command === 'verify' ? ['pg_restore', 'zstd'] : command === 'check' ? ['pg_dump'] : []),
  options: [
    TABLES_OPTION,
    { name: 'pg-restore-no-owner', kind: 'bool', default: 'true', description: 'pg-dump restore: --no-owner --no-privileges (the target may lack the source roles).' },
    { name: 'pg-restore-clean', kind: 'bool', default: 'false', description: 'pg-dump restore: drop objects before recreating them (--clean --if-exists).' },
  ],
  validate(command, o) {
    const p: string[] = [];
    if ((command === 'backup' || command === 'check') && !o.str('db-host')) p.push(`--db-host (or RUNNER_DB_HOST) is required for ${command}`);
    if (command === 'restore') {
      if (!o.str('target-host')) p.push('--target-host (or RUNNER_TARGET_HOST) is required for restore');
      if (!o.str('target-db')) p.push('--target-db (or RUNNER_TARGET_DB) is required for restore');
    }
    if (o.has('tables') && command !== 'restore') p.push(`--tables only applies to restore, got it for ${command}`);
    return p;
  },

  async check(job: JobContext): Promise<void> {
    // Reachable, authenticated, and allowed to read every table (what pg_dump needs).
    const conn = connectionFrom(job.options, 'db', DEFAULTS);
    const pgDump = await job.recordToolVersion('pg_dump');
    const r = await withClient(conn, conn.database ?? DEFAULTS.database, async (c) => (await c.query<{ version: string; version_num: string; unreadable: string }>(
      `select current_setting('server_version') as version, current_setting('server_version_num') as version_num,
              (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where c.relkind in ('r', 'p', 'm', 'S') and n.nspname not in ('pg_catalog', 'information_schema')
                  and not has_table_privilege(c.oid, 'select'))::text as unreadable`)).rows[0]);
    const tooOld = pgDumpTooOld(pgDump, Number(r.version_num));
    if (tooOld) throw new ConfigurationError('invalid configuration', [tooOld]);
    if (r.unreadable !== '0') throw new DatabaseError(`${conn.user} cannot SELECT ${r.unreadable} table(s) of ${conn.database ?? DEFAULTS.database}: grant pg_read_all_data (PostgreSQL 14+) or SELECT on them`);
    job.log.info('database reachable', { serverVersion: r.version });
  },

  async replicaStatus(job) {
    return probePostgresReplica(connectionFrom(job.options, 'db', DEFAULTS));
  },

  async backup(job: JobContext): Promise<BackupResult> {
    const conn = connectionFrom(job.options, 'db', DEFAULTS);
    const pgDump = await job.recordToolVersion('pg_dump');
    await job.recordToolVersion('zstd', ['-V']);
    // The WAL position and server version at the start: where this dump sits in the database's history.
    const start = await withClient(conn, conn.database ?? DEFAULTS.database, async (c) => (await c.query<{ lsn: string; version: string; version_num: string; recovery: boolean }>(
      `select case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end::text as lsn,
              current_setting('server_version') as version, current_setting('server_version_num') as version_num, pg_is_in_recovery() as recovery`)).rows[0]);
    const tooOld = pgDumpTooOld(pgDump, Number(start.version_num));
    if (tooOld) throw new ConfigurationError('invalid configuration', [tooOld]);
    const dump = job.proc.start({ cmd: job.tool('pg_dump'), args: pgDumpArgs(conn), env: pgEnv(conn), label: 'pg_dump', failureKind: 'database' });
    await job.upload(DUMP_OBJECT, dump.stdout!, { producer: dump });
    return {
      position: { walLsnAtStart: start.lsn },
      details: { serverVersion: start.version, sourceIsReplica: start.recovery, format: 'pg_dump custom (-Fc -Z0) | zstd', database: conn.database },
    };
  },

  async restore(job: JobContext): Promise<void> {
    const tables = requestedTables(job.options.str('tables'));
    const m = await job.selectManifest();
    const obj = m.objects.find((o) => o.key.endsWith('/' + DUMP_OBJECT));
    if (!obj) throw new VerificationError(`backup ${m.backupId} has no ${DUMP_OBJECT}`);
    const target = connectionFrom(job.options, 'target', DEFAULTS);
    const db = target.database!;
    // pg_restore -j needs a seekable file: spool the verified, decompressed archive.
    const spooled = job.spool.createWriteStream('restore.pgc');
    await pipeline(await job.download(obj.key, { sha256: obj.sha256 }), spooled.stream);
    job.log.info('archive spooled', { backupId: m.backupId, bytes: job.spool.usedBytes });
    // --tables: the archive's table of contents decides, before anything is written to the target.
    let useList: string[] = [];
    if (tables) {
      const toc = parseToc(await job.proc.run({ cmd: job.tool('pg_restore'), args: ['--list', spooled.path], label: 'pg_restore --list', failureKind: 'verification' }));
      const chosen = matchTables(tables, tocTables(toc), 'public', m.backupId);
      const lines = tocLinesFor(toc, chosen);
      useList = ['--use-list', job.spool.writeSecretFile('tables.toc', lines.join('\n') + '\n')];
      job.log.info('tables selected', { backupId: m.backupId, tables: chosen.map((t) => `${t.schema}.${t.table}`), tocEntries: lines.length });
    }
    await withClient(target, 'postgres', async (c) => {
      const exists = await c.query('select 1 from pg_database where datname = $1', [db]);
      if (exists.rowCount === 0) {
        await c.query(`create database ${quoteIdent(db)}`);
        job.log.info('target database created', { database: db });
      }
    });
    if (tables) {
      // The tables' schemas (their TOC entries would fail on a scratch database that has them already).
      const schemas = [...new Set(tables.map((t) => t.schema ?? 'public'))];
      await withClient(target, db, async (c) => {
        for (const s of schemas) await c.query(`create schema if not exists ${quoteIdent(s)}`);
      });
    }
    const args = pgRestoreArgs(target, spooled.path, job.options.int('jobs')!, job.options.bool('pg-restore-no-owner'), job.options.bool('pg-restore-clean'));
    await job.proc.run({ cmd: job.tool('pg_restore'), args: [...useList, ...args], env: pgEnv(target), label: 'pg_restore', failureKind: 'database' });
    job.log.info('pg_restore finished', { backupId: m.backupId, target: `${target.host}:${target.port}/${db}`, ...(tables ? { tables: tables.map((t) => t.given) } : {}) });
  },

  async verify(job: JobContext, m: Manifest): Promise<VerifyResult> {
    const obj = m.objects.find((o) => o.key.endsWith('/' + DUMP_OBJECT));
    if (!obj) throw new VerificationError(`backup ${m.backupId} has no ${DUMP_OBJECT}`);
    const list = job.proc.start({ cmd: job.tool('pg_restore'), args: ['--list'], stdin: await job.download(obj.key, { sha256: obj.sha256 }),
      label: 'pg_restore --list', failureKind: 'verification' });
    let out = '';
    list.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    await list.done;
    const entries = out.split('\n').filter((l) => /^\d+;/.test(l)).length;
    if (entries === 0) throw new VerificationError(`pg_restore --list found no entries in ${obj.key}`);
    return { checks: [`pg_restore --list: ${entries} TOC entries readable`] };
  },
};

registerEngine(engine);
