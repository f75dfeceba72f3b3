import {
  Duration, Token,
  aws_cloudwatch as cloudwatch, aws_iam as iam, aws_kms as kms, aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { throwIfProblems } from '../errors';

/**
 * A bucket that holds backups: what the runner, drills and monitoring need of it, whether it was
 * created by {@link BackupBucket} in this app or imported.
 */
export interface IBackupBucket extends IConstruct {
  /** The S3 bucket. */
  readonly bucket: s3.IBucket;
  /** The key encrypting the bucket's objects. */
  readonly encryptionKey: kms.IKey;
  /**
   * Name of the replica bucket this bucket replicates to (the `DestinationBucket` dimension of
   * the replication metrics).
   * @default - not replicated
   */
  readonly replicaBucketName?: string;
  /** Lets `grantee` write new backups (never delete or overwrite retention), under `keyPrefixes` when given. */
  grantWriteBackups(grantee: iam.IGrantable, keyPrefixes?: string[]): iam.Grant;
  /** Lets `grantee` read backups, under `keyPrefixes` when given. */
  grantReadBackups(grantee: iam.IGrantable, keyPrefixes?: string[]): iam.Grant;
  /** Lets `grantee` expire backups with delete markers only, under `keyPrefixes` when given. */
  grantExpireBackups(grantee: iam.IGrantable, keyPrefixes?: string[]): iam.Grant;
  /** Maximum seconds a replicated object took to reach the replica. @default maximum over 5 minutes */
  metricReplicationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Operations waiting to be replicated. @default maximum over 5 minutes */
  metricOperationsPendingReplication(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Operations that failed to replicate. @default sum over 5 minutes */
  metricOperationsFailedReplication(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Bytes waiting to be replicated. @default maximum over 5 minutes */
  metricBytesPendingReplication(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * An existing backup bucket, for {@link BackupBucket.fromBucketAttributes}: give either `bucket`
 * or its name and/or ARN.
 */
export interface BackupBucketAttributes {
  /**
   * The bucket, as an `s3.IBucket` (from this app or imported with `s3.Bucket.from…`).
   * @default - imported from `bucketName` / `bucketArn`
   */
  readonly bucket?: s3.IBucket;
  /**
   * Name of the bucket, when `bucket` is not given.
   * @default - from `bucketArn`
   */
  readonly bucketName?: string;
  /**
   * ARN of the bucket, when `bucket` is not given.
   * @default - from `bucketName`
   */
  readonly bucketArn?: string;
  /**
   * Region of the bucket named by `bucketName` / `bucketArn` (the region of its replication metrics).
   * @default - the region of the stack it is imported into
   */
  readonly region?: string;
  /**
   * The customer-managed key encrypting the bucket's objects (SSE-KMS).
   * @default - `bucket.encryptionKey`, when the given `bucket` has one
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Name of the replica bucket this bucket replicates to (its replication rule must be
   * `BackupBucket.REPLICATION_RULE_ID`, as a BackupBucket's is).
   * @default - not replicated: the replication metrics are refused
   */
  readonly replicaBucketName?: string;
}

/** Id of the one replication rule, the `RuleId` dimension of the replication metrics. */
export const REPLICATION_RULE_ID = 'replicate-backups-to-dr';

/**
 * What every backup bucket can do, created or imported: least-privilege grants and the S3
 * replication metrics.
 */
export abstract class BackupBucketBase extends Construct implements IBackupBucket {
  /** The S3 bucket. */
  public abstract readonly bucket: s3.IBucket;
  /** The key encrypting the bucket's objects. */
  public abstract readonly encryptionKey: kms.IKey;
  /**
   * Name of the replica bucket.
   * @default - not replicated
   */
  public abstract readonly replicaBucketName?: string;

  /**
   * Lets `grantee` write backups: put objects and run multipart uploads, nothing else. It cannot
   * delete, overwrite retention or legal holds, or change lifecycle or policy. KMS: GenerateDataKey
   * and Encrypt, plus Decrypt which S3 needs to complete a multipart upload under SSE-KMS.
   *
   * Because the bucket has a default Object Lock retention, S3 rejects a PUT without a
   * Content-MD5 or x-amz-checksum-* header: writers must send one (AWS SDK v3 does by default).
   */
  public grantWriteBackups(grantee: iam.IGrantable, keyPrefixes?: string[]): iam.Grant {
    const objects = this.grantOnBucket(grantee, ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], this.objectArns(keyPrefixes));
    const uploads = this.grantOnBucket(grantee, ['s3:ListBucketMultipartUploads'], this.bucket.bucketArn);
    const key = this.encryptionKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt');
    return objects.combine(uploads).combine(key);
  }

  /**
   * Lets `grantee` list and read backups (all versions) and decrypt them. With `keyPrefixes`, the
   * objects it may read are those under the prefixes (listing stays bucket-wide: it shows key
   * names, never content).
   */
  public grantReadBackups(grantee: iam.IGrantable, keyPrefixes?: string[]): iam.Grant {
    const objects = this.grantOnBucket(grantee, ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention', 's3:GetObjectLegalHold'], this.objectArns(keyPrefixes));
    const listing = this.grantOnBucket(grantee, ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation'], this.bucket.bucketArn);
    const key = this.encryptionKey.grant(grantee, 'kms:Decrypt');
    return objects.combine(listing).combine(key);
  }

  /**
   * Lets `grantee` expire backups the way a backup tool's retention does (pgBackRest expire):
   * s3:DeleteObject without a version id, which on this versioned, locked bucket only adds a
   * delete marker. The versions stay until their lock and the noncurrent-version lifecycle let
   * them go. Never DeleteObjectVersion, retention bypass, or policy and lifecycle changes.
   */
  public grantExpireBackups(grantee: iam.IGrantable, keyPrefixes?: string[]): iam.Grant {
    const objects = this.grantOnBucket(grantee, ['s3:DeleteObject'], this.objectArns(keyPrefixes));
    const listing = this.grantOnBucket(grantee, ['s3:ListBucket'], this.bucket.bucketArn);
    return objects.combine(listing);
  }

  /**
   * Maximum seconds a replicated object took to reach the replica.
   * @default maximum over 5 minutes
   */
  public metricReplicationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.replicationMetric('ReplicationLatency', { statistic: 'Maximum', ...props });
  }

  /**
   * Operations waiting to be replicated.
   * @default maximum over 5 minutes
   */
  public metricOperationsPendingReplication(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.replicationMetric('OperationsPendingReplication', { statistic: 'Maximum', ...props });
  }

  /**
   * Operations that failed to replicate.
   * @default sum over 5 minutes
   */
  public metricOperationsFailedReplication(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.replicationMetric('OperationsFailedReplication', { statistic: 'Sum', ...props });
  }

  /**
   * Bytes waiting to be replicated.
   * @default maximum over 5 minutes
   */
  public metricBytesPendingReplication(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.replicationMetric('BytesPendingReplication', { statistic: 'Maximum', ...props });
  }

  /** The problem reported when a replication metric is asked of a bucket without a replica. */
  protected abstract noReplicaProblem(metricName: string): string;

  private grantOnBucket(grantee: iam.IGrantable, actions: string[], resourceArns: string | string[]): iam.Grant {
    return iam.Grant.addToPrincipalOrResource({ grantee, actions, resourceArns: typeof resourceArns === 'string' ? [resourceArns] : resourceArns, resource: this.bucket });
  }

  /** The objects under each key prefix (every object when none is given). */
  private objectArns(keyPrefixes?: string[]): string[] {
    if (keyPrefixes === undefined) return [this.bucket.arnForObjects('*')];
    const bad = keyPrefixes.filter((p) => !Token.isUnresolved(p) && (p === '' || p.startsWith('/') || p.endsWith('/') || p.includes('*')));
    throwIfProblems(`BackupBucket ${this.node.path}`, bad.map((p) => `keyPrefixes: each prefix is a key folder without leading or trailing '/' or '*', got "${p}"`));
    if (keyPrefixes.length === 0) throwIfProblems(`BackupBucket ${this.node.path}`, ['keyPrefixes: give at least one prefix, or leave it out for the whole bucket, got []']);
    return keyPrefixes.map((p) => this.bucket.arnForObjects(`${p}/*`));
  }

  private replicationMetric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (this.replicaBucketName === undefined) {
      throwIfProblems(`BackupBucket ${this.node.path}`, [this.noReplicaProblem(metricName)]);
    }
    return new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName,
      dimensionsMap: {
        SourceBucket: this.bucket.bucketName,
        DestinationBucket: this.replicaBucketName!,
        RuleId: REPLICATION_RULE_ID,
      },
      period: Duration.minutes(5),
      // S3 publishes replication metrics in the source bucket's region.
      region: this.bucket.env.region,
      ...props,
    });
  }
}

/** Every problem of a set of {@link BackupBucketAttributes}, each naming its field. */
export function bucketAttributesProblems(attrs: BackupBucketAttributes): string[] {
  const problems: string[] = [];
  const named = attrs.bucketName !== undefined || attrs.bucketArn !== undefined;
  if (attrs.bucket && named) {
    problems.push('bucket: give either bucket or bucketName/bucketArn, not both');
  } else if (!attrs.bucket && !named) {
    problems.push('bucket: give the bucket (s3.IBucket), or its bucketName or bucketArn');
  }
  if (attrs.bucket && attrs.region !== undefined) {
    problems.push('region: only for a bucket given by bucketName/bucketArn; an s3.IBucket carries its own region');
  }
  for (const [field, value] of [['bucketName', attrs.bucketName], ['bucketArn', attrs.bucketArn], ['replicaBucketName', attrs.replicaBucketName]] as const) {
    if (value !== undefined && !Token.isUnresolved(value) && value.trim() === '') {
      problems.push(`${field} must not be empty`);
    }
  }
  if (!attrs.encryptionKey && !attrs.bucket?.encryptionKey) {
    problems.push(`encryptionKey: the KMS key of the bucket's objects is required (${attrs.bucket ? 'the given bucket has no encryptionKey' : 'a bucket given by name or ARN carries no key'}); backup buckets are SSE-KMS`);
  }
  return problems;
}
