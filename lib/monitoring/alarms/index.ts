/**
 * The alarm catalog: every alarm kind of the library, one file each. Adding a kind: its file,
 * its line here, its typed method in ../dr-alarms.ts, its page docs/alarms/<id>.md.
 */
import { AlarmKind } from './alarm-kind';
import { ALARM_TABLE_BEGIN, ALARM_TABLE_END, renderAlarmTable } from './render';
import { BACKUP_JOB_FAILED } from './backup-job-failed';
import { BACKUP_JOB_EXPIRED } from './backup-job-expired';
import { COPY_JOB_FAILED } from './copy-job-failed';
import { RESTORE_JOB_FAILED } from './restore-job-failed';
import { NO_SUCCESSFUL_BACKUP } from './no-successful-backup';
import { MEASURED_RPO } from './measured-rpo';
import { REPLICA_LAG } from './replica-lag';
import { AURORA_REPLICA_LAG } from './aurora-replica-lag';
import { GLOBAL_RPO_LAG } from './global-rpo-lag';
import { S3_REPLICATION_FAILED } from './s3-replication-failed';
import { S3_REPLICATION_LATENCY } from './s3-replication-latency';
import { RUNNER_JOB_FAILED } from './runner-job-failed';
import { RUNNER_SILENT } from './runner-silent';
import { VERIFICATION_FAILED } from './verification-failed';
import { VERIFICATION_MISSING } from './verification-missing';
import { DRILL_RTO_EXCEEDED } from './drill-rto-exceeded';
import { VALIDATOR_FAILED } from './validator-failed';
import { BASELINE_CAPTURE_FAILED } from './baseline-capture-failed';
import { DEAD_LETTERS } from './dead-letters';
import { MONITOR_STOPPED } from './monitor-stopped';

export * from './alarm-kind';

const ALARM_KINDS: AlarmKind[] = [
  BACKUP_JOB_FAILED,
  BACKUP_JOB_EXPIRED,
  COPY_JOB_FAILED,
  RESTORE_JOB_FAILED,
  NO_SUCCESSFUL_BACKUP,
  MEASURED_RPO,
  REPLICA_LAG,
  AURORA_REPLICA_LAG,
  GLOBAL_RPO_LAG,
  S3_REPLICATION_FAILED,
  S3_REPLICATION_LATENCY,
  RUNNER_JOB_FAILED,
  RUNNER_SILENT,
  VERIFICATION_FAILED,
  VERIFICATION_MISSING,
  DRILL_RTO_EXCEEDED,
  VALIDATOR_FAILED,
  BASELINE_CAPTURE_FAILED,
  DEAD_LETTERS,
  MONITOR_STOPPED,
];

/** The alarm catalog: every kind the library alarms on, with its defaults and docs page. */
export class AlarmCatalog {
  /** The line before the generated table in lib/monitoring/README.md. */
  public static readonly TABLE_BEGIN = ALARM_TABLE_BEGIN;
  /** The line after the generated table. */
  public static readonly TABLE_END = ALARM_TABLE_END;

  /** Every alarm kind, in the order of the monitoring README's table. */
  public static all(): AlarmKind[] {
    return [...ALARM_KINDS];
  }

  /** The kind with this id; throws for an id outside the catalog. */
  public static kind(id: string): AlarmKind {
    const found = ALARM_KINDS.find((k) => k.id === id);
    if (!found) throw new Error(`alarm kind '${id}' is not in the catalog (lib/monitoring/alarms/index.ts)`);
    return found;
  }

  /**
   * The catalog as the markdown table of lib/monitoring/README.md, between its marker lines
   * (links lead from lib/monitoring/ to the docs pages).
   */
  public static renderTable(): string {
    return [ALARM_TABLE_BEGIN, renderAlarmTable(ALARM_KINDS), ALARM_TABLE_END].join('\n');
  }

  private constructor() {}
}

