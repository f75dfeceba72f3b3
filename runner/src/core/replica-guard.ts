/**
 * The replica lag guard: a backup taken from a replica that is far behind silently breaks the RPO,
 * so with --max-replica-lag-seconds the runner measures the lag first and refuses (exit 3) above the
 * threshold or when the lag cannot be known (replication stopped).
 */
import { DatabaseError } from './errors';

export interface ReplicaStatus {
  /** False for a primary (the guard always passes). */
  readonly isReplica: boolean;
  /** Replication lag in seconds; null when the replica cannot tell (replication stopped or broken). */
  readonly lagSeconds: number | null;
  /** What was measured, for the log. */
  readonly detail: string;
}

export interface ReplicaDecision {
  readonly ok: boolean;
  readonly reason: string;
}

/** Pure decision, unit-tested without a replica. */
export function decideReplicaLag(status: ReplicaStatus, maxLagSeconds: number): ReplicaDecision {
  if (!status.isReplica) return { ok: true, reason: `source is a primary (${status.detail})` };
  if (status.lagSeconds === null) {
    return { ok: false, reason: `source is a replica whose replication lag is unknown (${status.detail}); replication may be stopped — refusing to back up` };
  }
  if (status.lagSeconds > maxLagSeconds) {
    return { ok: false, reason: `source is a replica ${status.lagSeconds.toFixed(1)} s behind, more than --max-replica-lag-seconds=${maxLagSeconds} — refusing to back up (${status.detail})` };
  }
  return { ok: true, reason: `source is a replica ${status.lagSeconds.toFixed(1)} s behind, within --max-replica-lag-seconds=${maxLagSeconds}` };
}

/** Throws a DatabaseError when the decision refuses. */
export function enforceReplicaLag(status: ReplicaStatus, maxLagSeconds: number): ReplicaDecision {
  const d = decideReplicaLag(status, maxLagSeconds);
  if (!d.ok) throw new DatabaseError(d.reason);
  return d;
}

/**
 * PostgreSQL: pg_is_in_recovery(); lag = now() - pg_last_xact_replay_timestamp(), except that a
 * replica which has replayed everything it received counts as 0 (an idle primary writes no
 * transactions, so the timestamp alone would grow forever).
 */
export const POSTGRES_REPLICA_SQL = `select pg_is_in_recovery() as in_recovery,
  pg_last_wal_receive_lsn()::text as received, pg_last_wal_replay_lsn()::text as replayed,
  extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as replay_age`;

export interface PostgresReplicaRow {
  readonly in_recovery: boolean;
  readonly received: string | null;
  readonly replayed: string | null;
  readonly replay_age: number | null;
}

export function postgresReplicaStatus(row: PostgresReplicaRow): ReplicaStatus {
  if (!row.in_recovery) return { isReplica: false, lagSeconds: 0, detail: 'pg_is_in_recovery() = false' };
  const caughtUp = row.received !== null && row.received === row.replayed;
  const lag = caughtUp ? 0 : row.replay_age;
  return {
    isReplica: true,
    lagSeconds: lag === null ? null : Math.max(0, lag),
    detail: `pg_is_in_recovery() = true, received ${row.received ?? 'none'}, replayed ${row.replayed ?? 'none'}, last replayed transaction ${row.replay_age === null ? 'never' : `${row.replay_age.toFixed(1)} s ago`}`,
  };
}

/** MariaDB/MySQL: SHOW SLAVE STATUS; no row = not a replica; Seconds_Behind_Master NULL = not replicating. */
export function mariaDbReplicaStatus(rows: ReadonlyArray<Record<string, unknown>>): ReplicaStatus {
  if (rows.length === 0) return { isReplica: false, lagSeconds: 0, detail: 'SHOW SLAVE STATUS returned no row' };
  const r = rows[0];
  const behind = r.Seconds_Behind_Master ?? r.Seconds_Behind_Source;
  const io = String(r.Slave_IO_Running ?? r.Replica_IO_Running ?? '?');
  const sql = String(r.Slave_SQL_Running ?? r.Replica_SQL_Running ?? '?');
  const lag = behind === null || behind === undefined ? null : Number(behind);
  return {
    isReplica: true,
    lagSeconds: lag === null || Number.isNaN(lag) ? null : lag,
    detail: `Seconds_Behind_Master=${behind === null || behind === undefined ? 'NULL' : String(behind)}, IO running ${io}, SQL running ${sql}`,
  };
}
