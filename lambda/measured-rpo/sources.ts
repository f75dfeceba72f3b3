/**
 * The four places a database can be restored from, each measured on its own: the newest point
 * in time it could restore to. A source's failure is reported, never thrown, so one broken
 * source (a missing permission, a throttled API) does not hide the others.
 */
import { BackupClient, paginateListRecoveryPointsByBackupVault, paginateListRecoveryPointsByResource } from '@aws-sdk/client-backup';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  MeasuredRpoS3Location, MeasuredRpoVaultConfig, RUNNER_MANIFEST_NAME, SNAPSHOT_AT_START_ENGINES,
} from '../../runtime/contracts/measured-rpo';

export type SourceName = 'aws-backup' | 'rds-pitr' | 'runner-manifest' | 'wal-archive';

/** What one source found. `recoveryPointTime` is absent when it found nothing or failed. */
export interface SourceResult {
  readonly source: SourceName;
  /** ok: found a recovery point; none: looked and found nothing; error: could not look. */
  readonly status: 'ok' | 'none' | 'error';
  readonly recoveryPointTime?: Date;
  /** Where the point came from (recovery point ARN, object key, instance id). */
  readonly detail?: string;
  readonly error?: string;
}

/** Runs a source, turning any exception into an `error` result that names the source. */
export async function measure(source: SourceName, fn: () => Promise<SourceResult>): Promise<SourceResult> {
  try {
    return await fn();
  } catch (e) {
    const err = e as Error & { name?: string };
    return { source, status: 'error', error: `${err.name ?? 'Error'}: ${err.message}` };
  }
}

function newest<T>(items: T[], time: (t: T) => Date | undefined): T | undefined {
  let best: T | undefined;
  let bestTime = -Infinity;
  for (const item of items) {
    const t = time(item)?.getTime();
    if (t !== undefined && !Number.isNaN(t) && t > bestTime) { best = item; bestTime = t; }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// AWS Backup

interface Point { arn: string; created: Date; vault?: string }

/** Statuses of a recovery point that can be restored from. */
const RESTORABLE = new Set(['COMPLETED', 'AVAILABLE']);

/**
 * Continuous-backup recovery points have an ARN like `...:recovery-point:continuous:db-...`.
 * Their CreationDate is when continuous backup began, not how recent the data is; the latest
 * restorable time of an RDS/Aurora continuous backup is the resource's LatestRestorableTime,
 * which the rds-pitr source measures. So they are counted, not used as a point in time.
 */
function isContinuous(arn: string): boolean {
  return /:recovery-point:continuous:/.test(arn);
}

/**
 * The newest restorable snapshot recovery point of the resources: from the given vaults
 * (ListRecoveryPointsByBackupVault, one client per Region) or from every vault of the Region
 * (ListRecoveryPointsByResource).
 */
export async function awsBackupSource(
  resourceArns: string[], vaults: MeasuredRpoVaultConfig[] | undefined, clientFor: (region?: string) => BackupClient,
): Promise<SourceResult> {
  const points: Point[] = [];
  let continuous = 0;
  const take = (arn: string | undefined, status: string | undefined, created: Date | undefined, vault?: string) => {
    if (!arn || !created || !status || !RESTORABLE.has(status)) return;
    if (isContinuous(arn)) { continuous++; return; }
    points.push({ arn, created, vault });
  };
  for (const resourceArn of resourceArns) {
    if (vaults && vaults.length > 0) {
      for (const v of vaults) {
        const pages = paginateListRecoveryPointsByBackupVault({ client: clientFor(v.region) },
          { BackupVaultName: v.name, BackupVaultAccountId: v.accountId, ByResourceArn: resourceArn });
        for await (const page of pages) {
          for (const p of page.RecoveryPoints ?? []) take(p.RecoveryPointArn, p.Status, p.CreationDate, v.name);
        }
      }
    } else {
      const pages = paginateListRecoveryPointsByResource({ client: clientFor() }, { ResourceArn: resourceArn });
      for await (const page of pages) {
        for (const p of page.RecoveryPoints ?? []) take(p.RecoveryPointArn, p.Status, p.CreationDate, p.BackupVaultName);
      }
    }
  }
  const best = newest(points, (p) => p.created);
  const note = continuous > 0 ? ` (${continuous} continuous recovery point(s) measured by rds-pitr)` : '';
  if (!best) return { source: 'aws-backup', status: 'none', detail: `no completed snapshot recovery point${note}` };
  return { source: 'aws-backup', status: 'ok', recoveryPointTime: best.created, detail: `${best.arn}${best.vault ? ` in ${best.vault}` : ''}${note}` };
}

// ---------------------------------------------------------------------------------------------
// RDS point-in-time restore

/** `LatestRestorableTime` of an RDS DB instance or an Aurora DB cluster. */
export async function rdsSource(
  target: { instanceIdentifier?: string; clusterIdentifier?: string }, client: RDSClient,
): Promise<SourceResult> {
  let time: Date | undefined;
  let what: string;
  if (target.clusterIdentifier) {
    what = `cluster ${target.clusterIdentifier}`;
    const r = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: target.clusterIdentifier }));
    time = r.DBClusters?.[0]?.LatestRestorableTime;
  } else if (target.instanceIdentifier) {
    what = `instance ${target.instanceIdentifier}`;
    const r = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: target.instanceIdentifier }));
    time = r.DBInstances?.[0]?.LatestRestorableTime;
  } else {
    return { source: 'rds-pitr', status: 'error', error: 'neither instanceIdentifier nor clusterIdentifier is set' };
  }
  // No LatestRestorableTime: automated backups are off (retention 0) or the first one is not done.
  if (!time) return { source: 'rds-pitr', status: 'none', detail: `${what} has no LatestRestorableTime` };
  return { source: 'rds-pitr', status: 'ok', recoveryPointTime: time, detail: what };
}

// ---------------------------------------------------------------------------------------------
// S3 helpers

function folder(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** The sub-folders directly under `prefix` (delimited listing, every page). */
async function subFolders(client: S3Client, bucket: string, prefix: string): Promise<{ folders: string[]; objects: { key: string; modified?: Date }[] }> {
  const folders: string[] = [];
  const objects: { key: string; modified?: Date }[] = [];
  let token: string | undefined;
  do {
    const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
    for (const p of r.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix);
    for (const o of r.Contents ?? []) if (o.Key) objects.push({ key: o.Key, modified: o.LastModified });
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return { folders, objects };
}

/** Numeric-aware descending order, so `15-2/` sorts after `9.6-1/` and `10/` after `9/`. */
function descending(a: string, b: string): number {
  return b.localeCompare(a, 'en', { numeric: true });
}

async function readText(client: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await r.Body?.transformToString('utf8');
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The runner's manifests

/** How many backup folders without a manifest (running or interrupted backups) to step over. */
const MAX_FOLDERS_WITHOUT_MANIFEST = 10;

/**
 * The newest complete runner backup. Backup folders are named by a sortable backup id
 * (`20261123T055100Z-full`); a backup is complete only when its `manifest.json` exists (the
 * runner writes it last). The recovery point is the manifest's `stoppedAt`, or `startedAt` for
 * engines whose dump is a snapshot taken at the start (pg_dump, mysqldump --single-transaction).
 */
export async function manifestSource(location: MeasuredRpoS3Location, client: S3Client): Promise<SourceResult> {
  const { folders } = await subFolders(client, location.bucket, folder(location.prefix));
  folders.sort(descending);
  const skipped: string[] = [];
  for (const f of folders.slice(0, MAX_FOLDERS_WITHOUT_MANIFEST + 1)) {
    const key = `${f}${RUNNER_MANIFEST_NAME}`;
    const text = await readText(client, location.bucket, key);
    if (text === undefined) { skipped.push(f); continue; }
    const m = JSON.parse(text) as { engine?: unknown; startedAt?: unknown; stoppedAt?: unknown };
    const atStart = typeof m.engine === 'string' && SNAPSHOT_AT_START_ENGINES.includes(m.engine);
    const field = atStart ? 'startedAt' : 'stoppedAt';
    const value = m[field];
    const time = typeof value === 'string' ? new Date(value) : undefined;
    if (!time || Number.isNaN(time.getTime())) {
      throw new Error(`s3://${location.bucket}/${key} has no valid ${field}`);
    }
    const note = skipped.length ? ` (${skipped.length} newer folder(s) without a manifest)` : '';
    return { source: 'runner-manifest', status: 'ok', recoveryPointTime: time, detail: `s3://${location.bucket}/${key} ${field}${note}` };
  }
  return { source: 'runner-manifest', status: 'none', detail: `no manifest under s3://${location.bucket}/${folder(location.prefix)}` };
}

// ---------------------------------------------------------------------------------------------
// The WAL archive

/** A WAL segment file: 24 hex digits (timeline, log, segment), then a pgBackRest checksum/extension or a wal-g extension. */
const WAL_SEGMENT = /^[0-9A-F]{24}(?:[-.][^/]*)?$/;

/**
 * The newest archived WAL segment's LastModified. Rather than listing a whole archive (thousands
 * of segments a day), it descends into the greatest sub-folder at each level — pgBackRest lays
 * the archive out as `<pg version>-<id>/<timeline+log>/<segment>-<sha1>.<ext>` — and falls back
 * to the next greatest when a folder holds no segment. A segment is uploaded after it is closed,
 * so its LastModified is at or after the newest data in it: a slight underestimate of the age.
 */
export async function walArchiveSource(location: MeasuredRpoS3Location, client: S3Client): Promise<SourceResult> {
  const found = await newestSegment(client, location.bucket, folder(location.prefix), 0);
  if (!found) return { source: 'wal-archive', status: 'none', detail: `no WAL segment under s3://${location.bucket}/${folder(location.prefix)}` };
  return { source: 'wal-archive', status: 'ok', recoveryPointTime: found.modified, detail: `s3://${location.bucket}/${found.key}` };
}

const MAX_DEPTH = 4;

async function newestSegment(client: S3Client, bucket: string, prefix: string, depth: number): Promise<{ key: string; modified: Date } | undefined> {
  const { folders, objects } = await subFolders(client, bucket, prefix);
  const segments = objects.filter((o) => o.modified && WAL_SEGMENT.test(o.key.slice(prefix.length)));
  // Segment names grow with the WAL position inside a timeline folder, so the greatest name is the
  // newest segment; LastModified has one-second resolution and ties between segments archived in
  // the same second.
  const best = segments.sort((a, b) => descending(a.key, b.key))[0];
  if (best?.modified) return { key: best.key, modified: best.modified };
  if (depth >= MAX_DEPTH) return undefined;
  for (const f of folders.sort(descending)) {
    const inner = await newestSegment(client, bucket, f, depth + 1);
    if (inner) return inner;
  }
  return undefined;
}
