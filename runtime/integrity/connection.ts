/**
 * One small client interface over the `pg` and `mysql2` drivers, so every check is written once
 * per dialect and never cares which driver runs it. Connection failures are classified
 * (unreachable, authentication, other) because the validator's verdict must say which.
 */
import { Client as PgClient, QueryArrayConfig } from 'pg';
import type { Connection as MyConnection } from 'mysql2/promise';
import { Engine } from './types';

export interface ConnectionOptions {
  readonly engine: Engine;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /**
   * Use TLS and verify the server certificate (RDS/Aurora). Off for servers on loopback.
   * @default true
   */
  readonly tls?: boolean;
  /** @default 10000 */
  readonly connectTimeoutMs?: number;
}

export type Row = Record<string, unknown>;

export interface DatabaseClient {
  readonly engine: Engine;
  /** The database connected to (the MySQL schema the checks look at). */
  readonly database: string;
  query(sql: string): Promise<Row[]>;
  /**
   * Runs exactly one statement (the driver refuses several, so user SQL cannot `commit` its way
   * out of a read-only transaction) and returns rows as arrays, in column order.
   */
  querySingle(sql: string): Promise<unknown[][]>;
  /** Server version string. */
  version(): Promise<string>;
  close(): Promise<void>;
}

/** Why a connection could not be made; `kind` drives the verdict message. */
export class ConnectionFailure extends Error {
  constructor(public readonly kind: 'unreachable' | 'authentication' | 'other', message: string) {
    super(message);
    this.name = 'ConnectionFailure';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN']);

function classify(err: unknown, opts: ConnectionOptions): ConnectionFailure {
  const e = err as { code?: string; errno?: number; message?: string };
  const where = `${opts.host}:${opts.port}`;
  const msg = e?.message ?? String(err);
  if ((e?.code && NETWORK_CODES.has(e.code)) || /timeout|timed out/i.test(msg)) {
    return new ConnectionFailure('unreachable', `database ${where} is unreachable: ${msg}`);
  }
  // 28P01 invalid_password, 28000 invalid_authorization_specification; MySQL 1045 access denied.
  if (e?.code === '28P01' || e?.code === '28000' || e?.code === 'ER_ACCESS_DENIED_ERROR' || e?.errno === 1045) {
    return new ConnectionFailure('authentication', `authentication as '${opts.user}' failed on ${where}: ${msg}`);
  }
  return new ConnectionFailure('other', `could not connect to ${where}: ${msg}`);
}

export async function connect(opts: ConnectionOptions): Promise<DatabaseClient> {
  const timeout = opts.connectTimeoutMs ?? 10000;
  const tls = opts.tls ?? true;
  if (opts.engine === 'postgres') {
    const pgVersion = async () => String((await client.query('select version() as v')).rows[0]?.v ?? '');
    const client = new PgClient({
      host: opts.host, port: opts.port, user: opts.user, password: opts.password, database: opts.database,
      connectionTimeoutMillis: timeout,
      ssl: tls ? { rejectUnauthorized: true } : false,
      application_name: 'cdk-database-dr-verify',
    });
    // A dropped connection after connect must not become an unhandled 'error' event.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw classify(err, opts);
    }
    return {
      engine: 'postgres',
      database: opts.database,
      async query(sql: string): Promise<Row[]> {
        const r = await client.query(sql);
        // A multi-statement string yields an array of results; the last one carries the rows.
        const res = Array.isArray(r) ? r[r.length - 1] : r;
        return (res?.rows ?? []) as Row[];
      },
      async querySingle(sql: string): Promise<unknown[][]> {
        // The extended protocol accepts a single statement only.
        const r = await client.query({ text: sql, rowMode: 'array', queryMode: 'extended' } as QueryArrayConfig);
        return r.rows as unknown[][];
      },
      version: pgVersion,
      async close(): Promise<void> {
        await client.end().catch(() => undefined);
      },
    };
  }
  // Loaded on first use: a PostgreSQL check never pays for the MySQL driver (the Lambda bundles
  // keep it in a file of its own, see scripts/bundle.mjs).
  const { createConnection } = require('mysql2/promise') as typeof import('mysql2/promise');
  let conn: MyConnection;
  try {
    conn = await createConnection({
      host: opts.host, port: opts.port, user: opts.user, password: opts.password, database: opts.database,
      connectTimeout: timeout,
      ssl: tls ? { rejectUnauthorized: true } : undefined,
      // Dates and big numbers as strings: the checks compare text, never lossy JS numbers.
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      multipleStatements: false,
    });
  } catch (err) {
    throw classify(err, opts);
  }
  conn.on('error', () => undefined);
  // TIMESTAMP values come back in UTC, so "newer than" checks compare like with like.
  await conn.query("set time_zone = '+00:00'");
  return {
    engine: 'mysql',
    database: opts.database,
    async query(sql: string): Promise<Row[]> {
      const [rows] = await conn.query(sql);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    },
    async querySingle(sql: string): Promise<unknown[][]> {
      // multipleStatements is off on this connection: a second statement is a syntax error.
      const [rows] = await conn.query({ sql, rowsAsArray: true });
      return Array.isArray(rows) ? (rows as unknown[][]) : [];
    },
    async version(): Promise<string> {
      const [rows] = await conn.query('select version() as v');
      return String((rows as Row[])[0]?.v ?? '');
    },
    async close(): Promise<void> {
      await conn.end().catch(() => undefined);
    },
  };
}

/** Quotes a possibly schema-qualified table name for the dialect. */
export function quoteTable(engine: Engine, qualified: string): string {
  const parts = splitQualified(qualified);
  const q = engine === 'postgres' ? (p: string) => `"${p.replace(/"/g, '""')}"` : (p: string) => `\`${p.replace(/`/g, '``')}\``;
  return parts.map(q).join('.');
}

/** `schema.table` → ['schema', 'table']; names holding a dot are stored with the dot escaped as `\.`. */
export function splitQualified(qualified: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < qualified.length; i++) {
    const c = qualified[i];
    if (c === '\\' && qualified[i + 1] === '.') { cur += '.'; i++; continue; }
    if (c === '.') { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Builds the qualified name used in models and messages: the default schema is left out. */
export function qualify(schema: string, table: string, defaultSchema: string): string {
  const esc = (s: string) => s.replace(/\./g, '\\.');
  return schema === defaultSchema ? esc(table) : `${esc(schema)}.${esc(table)}`;
}
