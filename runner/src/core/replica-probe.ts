/** Measures replica status over a client connection (pg / mysql2), for engines' replicaStatus(). */
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import type { DbConnection } from './connection';
import { DatabaseError } from './errors';
import { mariaDbReplicaStatus, POSTGRES_REPLICA_SQL, postgresReplicaStatus, PostgresReplicaRow, ReplicaStatus } from './replica-guard';

export async function probePostgresReplica(conn: DbConnection): Promise<ReplicaStatus> {
  const client = new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password || undefined,
    database: conn.database ?? 'postgres', connectionTimeoutMillis: 15000 });
  try {
    await client.connect();
    const r = await client.query<PostgresReplicaRow>(POSTGRES_REPLICA_SQL);
    return postgresReplicaStatus(r.rows[0]);
  } catch (e) {
    throw new DatabaseError(`cannot measure replication lag on ${conn.host}:${conn.port}: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function probeMariaDbReplica(conn: DbConnection): Promise<ReplicaStatus> {
  let c: mysql.Connection | undefined;
  try {
    c = await mysql.createConnection({ host: conn.host, port: conn.port, user: conn.user, password: conn.password || undefined, connectTimeout: 15000 });
    const [rows] = await c.query('SHOW SLAVE STATUS');
    return mariaDbReplicaStatus(rows as Record<string, unknown>[]);
  } catch (e) {
    throw new DatabaseError(`cannot measure replication lag on ${conn.host}:${conn.port}: ${(e as Error).message}`);
  } finally {
    await c?.end().catch(() => undefined);
  }
}
