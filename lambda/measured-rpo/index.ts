/**
 * Measured RPO: every few minutes (an EventBridge schedule), for each protected database, the
 * age of the newest recovery point it could be restored from, published as the
 * `MeasuredRpoSeconds` metric. Sources: AWS Backup recovery points, RDS LatestRestorableTime,
 * the runner's newest manifest, the newest archived WAL segment. The best (newest) one wins;
 * every source's finding is logged as one JSON line per database.
 *
 * No recovery point anywhere publishes `noRecoveryPointAgeSeconds()` (seconds since the epoch),
 * which breaches any threshold; it is never zero. A run that cannot publish at all throws, and
 * the alarm treats the missing data point as breaching.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { RECOVERY_METRICS } from '../../runtime/metrics/names';
import { MeasuredRpoDatabaseConfig, noRecoveryPointAgeSeconds } from '../../runtime/contracts/measured-rpo';
import { loadConfig } from './config';
import { lastSuccess, SilenceResult } from './silence';
import { awsBackupSource, manifestSource, measure, rdsSource, SourceResult, walArchiveSource } from './sources';

/** One client per Region and service, reused across invocations of a warm container. */
function cache<T>(make: (region?: string) => T): (region?: string) => T {
  const clients = new Map<string, T>();
  return (region?: string) => {
    const k = region ?? '';
    let c = clients.get(k);
    if (!c) { c = make(region); clients.set(k, c); }
    return c;
  };
}
const backupClient = cache((region) => new BackupClient(region ? { region } : {}));
const rdsClient = cache((region) => new RDSClient(region ? { region } : {}));
const s3Client = cache((region) => new S3Client(region ? { region } : {}));
const ssmClient = cache(() => new SSMClient({}));
const cloudWatchClient = cache(() => new CloudWatchClient({}));

/** The finding for one database, as logged and returned. */
export interface DatabaseMeasurement {
  readonly database: string;
  readonly measuredRpoSeconds: number;
  /** The source of the newest recovery point; absent when there is none. */
  readonly bestSource?: string;
  readonly recoveryPointTime?: string;
  readonly noRecoveryPoint: boolean;
  readonly sources: Array<Omit<SourceResult, 'recoveryPointTime'> & { recoveryPointTime?: string; ageSeconds?: number }>;
}

/** Measures every source of one database (concurrently) and picks the newest recovery point. */
export async function measureDatabase(db: MeasuredRpoDatabaseConfig, nowMs: number): Promise<DatabaseMeasurement> {
  const runs: Promise<SourceResult>[] = [];
  if (db.awsBackup) {
    const cfg = db.awsBackup;
    runs.push(measure('aws-backup', () => awsBackupSource(cfg.resourceArns, cfg.vaults, backupClient)));
  }
  if (db.rds) {
    const cfg = db.rds;
    runs.push(measure('rds-pitr', () => rdsSource(cfg, rdsClient(cfg.region))));
  }
  if (db.manifests) {
    const cfg = db.manifests;
    runs.push(measure('runner-manifest', () => manifestSource(cfg, s3Client(cfg.region))));
  }
  if (db.walArchive) {
    const cfg = db.walArchive;
    runs.push(measure('wal-archive', () => walArchiveSource(cfg, s3Client(cfg.region))));
  }
  const results = await Promise.all(runs);
  return summarize(db.name, results, nowMs);
}

/** Ages in whole seconds, never negative (a clock a little ahead is not a negative RPO). */
function ageSeconds(t: Date, nowMs: number): number {
  return Math.max(0, Math.round((nowMs - t.getTime()) / 1000));
}

export function summarize(database: string, results: SourceResult[], nowMs: number): DatabaseMeasurement {
  let best: SourceResult | undefined;
  for (const r of results) {
    if (r.status !== 'ok' || !r.recoveryPointTime) continue;
    if (!best || r.recoveryPointTime.getTime() > best.recoveryPointTime!.getTime()) best = r;
  }
  return {
    database,
    measuredRpoSeconds: best ? ageSeconds(best.recoveryPointTime!, nowMs) : noRecoveryPointAgeSeconds(nowMs),
    bestSource: best?.source,
    recoveryPointTime: best?.recoveryPointTime?.toISOString(),
    noRecoveryPoint: !best,
    sources: results.map((r) => ({
      ...r,
      recoveryPointTime: r.recoveryPointTime?.toISOString(),
      ageSeconds: r.recoveryPointTime ? ageSeconds(r.recoveryPointTime, nowMs) : undefined,
    })),
  };
}

function hasRecoverySource(db: MeasuredRpoDatabaseConfig): boolean {
  return !!(db.awsBackup || db.rds || db.manifests || db.walArchive);
}

/** One silence check's finding, as logged and returned. */
export interface SilenceMeasurement extends Omit<SilenceResult, 'lastSuccess'> {
  readonly database: string;
  readonly lastSuccess?: string;
  readonly secondsSinceLastSuccess: number;
  /** The check's silence window and alarm kind, when it is published as SilencePercentOfWindow too. */
  readonly windowSeconds?: number;
  readonly kind?: string;
}

export async function handler(): Promise<{ databases: DatabaseMeasurement[]; silences: SilenceMeasurement[] }> {
  const config = await loadConfig(process.env, () => ssmClient());
  const nowMs = Date.now();
  const measured = config.databases.filter(hasRecoverySource);
  const [measurements, silences] = await Promise.all([
    Promise.all(measured.map((db) => measureDatabase(db, nowMs))),
    Promise.all(config.databases.flatMap((db) => (db.silenceChecks ?? []).map(async (c): Promise<SilenceMeasurement> => {
      const r = await lastSuccess(c, cloudWatchClient(), nowMs);
      return {
        ...r,
        database: db.name,
        lastSuccess: r.lastSuccess?.toISOString(),
        // Never succeeded within the lookback (or could not look): the same breaching value as "no recovery point".
        secondsSinceLastSuccess: r.lastSuccess ? ageSeconds(r.lastSuccess, nowMs) : noRecoveryPointAgeSeconds(nowMs),
        ...(c.windowSeconds && c.kind ? { windowSeconds: c.windowSeconds, kind: c.kind } : {}),
      };
    }))),
  ]);
  for (const s of silences) {
    console.log(JSON.stringify({ level: s.status === 'ok' ? 'INFO' : 'WARN', message: 'seconds since last success', ...s }));
  }
  for (const m of measurements) {
    const level = m.noRecoveryPoint || m.sources.some((s) => s.status === 'error') ? 'WARN' : 'INFO';
    console.log(JSON.stringify({ level, message: m.noRecoveryPoint ? 'no recovery point found' : 'measured RPO', ...m }));
  }
  const timestamp = new Date(nowMs);
  const data: MetricDatum[] = measurements.map((m) => ({
    MetricName: RECOVERY_METRICS.measuredRpoSeconds,
    Dimensions: [{ Name: RECOVERY_METRICS.dimensions.database, Value: m.database }],
    Timestamp: timestamp,
    Unit: 'Seconds',
    Value: m.measuredRpoSeconds,
  }));
  const d = RECOVERY_METRICS.dimensions;
  measurements.forEach((m, i) => {
    const rpo = measured[i].rpoSeconds;
    if (rpo) data.push(percentDatum(RECOVERY_METRICS.measuredRpoPercentOfObjective, [[d.database, m.database]], m.measuredRpoSeconds, rpo, timestamp));
  });
  for (const s of silences) {
    if (s.windowSeconds && s.kind) {
      data.push(percentDatum(RECOVERY_METRICS.silencePercentOfWindow, [[d.database, s.database], [d.check, s.check], [d.kind, s.kind]], s.secondsSinceLastSuccess, s.windowSeconds, timestamp));
    }
    data.push({
      MetricName: RECOVERY_METRICS.secondsSinceLastSuccess,
      Dimensions: [{ Name: RECOVERY_METRICS.dimensions.database, Value: s.database }, { Name: RECOVERY_METRICS.dimensions.check, Value: s.check }],
      Timestamp: timestamp,
      Unit: 'Seconds',
      Value: s.secondsSinceLastSuccess,
    });
  }
  // PutMetricData takes at most 1000 data points per call.
  for (let i = 0; i < data.length; i += 1000) {
    await cloudWatchClient().send(new PutMetricDataCommand({ Namespace: RECOVERY_METRICS.namespace, MetricData: data.slice(i, i + 1000) }));
  }
  return { databases: measurements, silences };
}

/**
 * `seconds` as a percentage of `objectiveSeconds`, rounded to 0.01 %, at most 1e9 % ("never",
 * published as seconds since 1970, stays far beyond any threshold).
 */
function percentDatum(name: string, dims: Array<[string, string]>, seconds: number, objectiveSeconds: number, timestamp: Date): MetricDatum {
  const percent = Math.min(1e9, Math.round((10000 * seconds) / objectiveSeconds) / 100);
  return { MetricName: name, Dimensions: dims.map(([Name, Value]) => ({ Name, Value })), Timestamp: timestamp, Unit: 'Percent', Value: percent };
}
