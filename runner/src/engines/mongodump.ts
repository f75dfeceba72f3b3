/**
 * mongodump engine: `mongodump --archive --oplog` of a whole deployment (a consistent point: the
 * oplog captured during the dump is replayed on restore with `mongorestore --oplogReplay`), or of
 * one database with --db-name (no oplog: mongodump only captures it for full deployments).
 * Streamed through zstd to storage. The password is in a 0600 YAML file passed with --config,
 * never argv. mongo-tools cannot be installed on the build machine: tests cover the exact command
 * lines (through a recording stand-in) and the missing-tool failure.
 */
import { connectionFrom, DbConnection } from '../core/connection';
import type { BackupResult, Engine, JobContext } from '../core/engine';
import { VerificationError } from '../core/errors';
import { fromCatalog, registerEngine } from '../core/registry';

export const ARCHIVE_OBJECT = 'dump.archive.zst';
const DEFAULTS = { port: 27017, user: 'admin' };

export interface MongoSettings {
  readonly authDb: string;
  readonly readPreference?: string;
  readonly tls: boolean;
  readonly tlsCaFile?: string;
}

/** The --config YAML (a JSON string is a valid YAML double-quoted scalar, so escaping is exact). */
export function mongoConfigFile(conn: DbConnection): string {
  return conn.password ? `password: ${JSON.stringify(conn.password)}\n` : '';
}

function connectionArgs(configFile: string, conn: DbConnection, s: MongoSettings): string[] {
  return [`--config=${configFile}`, `--host=${conn.host}`, `--port=${conn.port}`, `--username=${conn.user}`, `--authenticationDatabase=${s.authDb}`,
    ...(s.tls ? ['--ssl', ...(s.tlsCaFile ? [`--sslCAFile=${s.tlsCaFile}`] : [])] : [])];
}

export function mongodumpArgs(configFile: string, conn: DbConnection, s: MongoSettings): string[] {
  return [...connectionArgs(configFile, conn, s), ...(s.readPreference ? [`--readPreference=${s.readPreference}`] : []),
    '--archive', ...(conn.database ? [`--db=${conn.database}`] : ['--oplog'])];
}

export function mongorestoreArgs(configFile: string, target: DbConnection, s: MongoSettings, backup: { oplog: boolean; database?: string }, drop: boolean): string[] {
  const rename = backup.database && target.database && backup.database !== target.database
    ? [`--nsFrom=${backup.database}.*`, `--nsTo=${target.database}.*`] : [];
  return [...connectionArgs(configFile, target, s), '--archive', ...(backup.oplog ? ['--oplogReplay'] : []), ...rename, ...(drop ? ['--drop'] : []),
    '--stopOnError'];
}

function settings(job: JobContext): MongoSettings {
  return {
    authDb: job.options.str('mongo-auth-db')!,
    readPreference: job.options.str('mongo-read-preference'),
    tls: job.options.bool('mongo-tls'),
    tlsCaFile: job.options.str('mongo-tls-ca-file'),
  };
}

const engine: Engine = {
  ...fromCatalog('mongodump'),
  requiredTools: ['mongodump', 'mongorestore', 'zstd'],
  toolsFor: (c) => (c === 'backup' ? ['mongodump', 'zstd'] : c === 'restore' ? ['mongorestore', 'zstd'] : c === 'verify' ? ['zstd'] : []),
  options: [
    { name: 'mongo-auth-db', kind: 'string', default: 'admin', description: 'mongodump/mongorestore --authenticationDatabase.' },
    { name: 'mongo-read-preference', kind: 'string', choices: ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'],
      description: 'mongodump --readPreference (dump from a secondary to spare the primary).' },
    { name: 'mongo-tls', kind: 'bool', default: 'false', description: 'Connect with TLS (DocumentDB, Atlas).' },
    { name: 'mongo-tls-ca-file', kind: 'path', description: 'CA bundle for --mongo-tls.' },
    { name: 'mongo-restore-drop', kind: 'bool', default: 'false', description: 'mongorestore --drop: drop each collection before restoring it.' },
  ],
  validate(command, o) {
    const p: string[] = [];
    if (command === 'backup' && !o.str('db-host')) p.push('--db-host (or RUNNER_DB_HOST) is required for backup');
    if (command === 'restore' && !o.str('target-host')) p.push('--target-host (or RUNNER_TARGET_HOST) is required for restore');
    if (o.str('mongo-tls-ca-file') && !o.bool('mongo-tls')) p.push(`--mongo-tls-ca-file (${o.str('mongo-tls-ca-file')}) needs --mongo-tls`);
    return p;
  },

  async backup(job: JobContext): Promise<BackupResult> {
    const conn = connectionFrom(job.options, 'db', DEFAULTS);
    await job.recordToolVersion('mongodump');
    await job.recordToolVersion('zstd', ['-V']);
    const cfg = job.spool.writeSecretFile('mongo-source.yaml', mongoConfigFile(conn));
    const dump = job.proc.start({ cmd: job.tool('mongodump'), args: mongodumpArgs(cfg, conn, settings(job)), label: 'mongodump', failureKind: 'database' });
    await job.upload(ARCHIVE_OBJECT, dump.stdout!, { producer: dump });
    return {
      // mongodump does not report the oplog timestamp it stopped at; the archive holds the oplog slice.
      position: conn.database ? {} : { oplog: 'captured in the archive (replayed by mongorestore --oplogReplay)' },
      details: { oplog: !conn.database, ...(conn.database ? { database: conn.database } : {}) },
    };
  },

  async restore(job: JobContext): Promise<void> {
    const m = await job.selectManifest();
    const obj = m.objects.find((o) => o.key.endsWith('/' + ARCHIVE_OBJECT));
    if (!obj) throw new VerificationError(`backup ${m.backupId} has no ${ARCHIVE_OBJECT}`);
    const target = connectionFrom(job.options, 'target', DEFAULTS);
    const cfg = job.spool.writeSecretFile('mongo-target.yaml', mongoConfigFile(target));
    const args = mongorestoreArgs(cfg, target, settings(job),
      { oplog: m.details.oplog === true, database: typeof m.details.database === 'string' ? m.details.database : undefined }, job.options.bool('mongo-restore-drop'));
    await job.proc.run({ cmd: job.tool('mongorestore'), args, stdin: await job.download(obj.key, { sha256: obj.sha256 }), label: 'mongorestore', failureKind: 'database' });
    job.log.info('mongorestore finished', { backupId: m.backupId, target: `${target.host}:${target.port}` });
  },
};

registerEngine(engine);
