import {
  Aws, Duration, Names, RemovalPolicy, Stack, Token,
  aws_iam as iam, aws_kms as kms, aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { acknowledge, acknowledgeWildcardResource } from './acknowledgements';
import {
  BackupBucketAttributes, BackupBucketBase, IBackupBucket, REPLICATION_RULE_ID, bucketAttributesProblems,
} from './backup-bucket-base';
import { renderDays, wholeDays } from './durations';
import { LifecycleTier, defaultLifecycleTiers, lifecycleProblems } from './lifecycle';
import { ObjectLockMode, ObjectLockOptions } from './object-lock';

export { BackupBucketBase } from './backup-bucket-base';
export type { BackupBucketAttributes, IBackupBucket } from './backup-bucket-base';

/** Properties of a {@link BackupBucket}. */
export interface BackupBucketProps {
  /**
   * Physical bucket name.
   * @default - a name CloudFormation generates
   */
  readonly bucketName?: string;
  /**
   * Object Lock applied to every new object version. Object Lock is always on: a backup bucket
   * without it is not one.
   * @default - governance mode, 35 days
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
   */
  readonly objectLock?: ObjectLockOptions;
  /**
   * Storage classes objects move through as they age, in order.
   * @default - Standard-IA at 30 days, Glacier Flexible Retrieval at 90 days, Deep Archive at 180 days
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
   */
  readonly lifecycleTiers?: LifecycleTier[];
  /**
   * Age at which current object versions expire (the retention of a backup). On this versioned
   * bucket expiry adds a delete marker; the version itself goes after `noncurrentVersionExpiration`.
   * @default Duration.days(365)
   */
  readonly expiration?: Duration;
  /**
   * How long a version is kept once it is no longer current (overwritten or expired). S3 cannot
   * remove a version before its Object Lock retention ends, whatever this says.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * A replica backup bucket in another region. Objects (not delete markers, unless
   * `replicateDeleteMarkers`) are replicated with S3 Replication Time Control and metrics.
   * The replica's stack must be in another region; both stacks need `crossRegionReferences: true`
   * and the replica's stack deploys first.
   * @default - no replication
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html
   */
  readonly replicateTo?: BackupBucket;
  /**
   * Replicate delete markers to the replica (adds s3:ReplicateDelete to the replication role).
   * Off by default so that a deletion in the primary region never hides a DR copy.
   * @default false
   */
  readonly replicateDeleteMarkers?: boolean;
  /**
   * Bucket receiving this bucket's server access logs. It must not be Object-Locked (S3 refuses
   * a locked log target). An imported bucket must already allow logging.s3.amazonaws.com to put
   * objects.
   * @default - a new log bucket (SSE-S3, versioned, SSL only, logs kept `serverAccessLogsRetention`)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * How long the log bucket created by this construct keeps access logs.
   * @default Duration.days(365)
   */
  readonly serverAccessLogsRetention?: Duration;
  /**
   * Customer-managed key for SSE-KMS (with an S3 Bucket Key).
   * @default - a new key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to the bucket when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An S3 bucket for backups that the runner writes (dumps, pgBackRest and mariabackup
 * repositories): Object Lock, versioning, SSE-KMS with a customer key and Bucket Key, no public
 * access, SSL only, server access logs, lifecycle tiers and optional cross-region replication.
 */
export class BackupBucket extends BackupBucketBase {
  /** Id of the replication rule, the `RuleId` dimension of the S3 replication metrics. */
  public static readonly REPLICATION_RULE_ID = REPLICATION_RULE_ID;

  /**
   * An existing backup bucket (another stack or app, or created outside CDK), with the same
   * least-privilege grants and, when `replicaBucketName` is given, the replication metrics. Give
   * either `bucket` or its name/ARN, and its key. Nothing about the bucket itself is checked or
   * changed: it should be what a BackupBucket creates (versioned, Object Lock, SSE-KMS).
   */
  public static fromBucketAttributes(scope: Construct, id: string, attrs: BackupBucketAttributes): IBackupBucket {
    class Import extends BackupBucketBase {
      /** The bucket. */
      public readonly bucket: s3.IBucket;
      /** Its key. */
      public readonly encryptionKey: kms.IKey;
      /**
       * Its replica's name.
       * @default - not replicated
       */
      public readonly replicaBucketName?: string;

      constructor() {
        super(scope, id);
        if (attrs.bucket) {
          this.bucket = attrs.bucket;
        } else {
          this.bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', {
            bucketName: attrs.bucketName, bucketArn: attrs.bucketArn, region: attrs.region, encryptionKey: attrs.encryptionKey,
          });
        }
        this.encryptionKey = (attrs.encryptionKey ?? attrs.bucket?.encryptionKey)!;
        this.replicaBucketName = attrs.replicaBucketName;
      }

      protected noReplicaProblem(metricName: string): string {
        return `replicaBucketName: ${metricName} needs the name of the replica bucket and this imported bucket has none; set replicaBucketName to get replication metrics`;
      }
    }
    const problems = bucketAttributesProblems(attrs);
    if (problems.length > 0) {
      throw new ConfigurationError(`BackupBucket ${scope.node.path ? `${scope.node.path}/` : ''}${id}`, problems);
    }
    return new Import();
  }

  /**
   * The default lifecycle: Standard → Standard-IA at 30 days → Glacier Flexible Retrieval at
   * 90 days → Deep Archive at 180 days.
   */
  public static defaultLifecycleTiers(): LifecycleTier[] {
    return defaultLifecycleTiers();
  }

  /** The backup bucket. */
  public readonly bucket: s3.IBucket;
  /** The key encrypting the bucket's objects. */
  public readonly encryptionKey: kms.IKey;
  /** The bucket that receives server access logs. */
  public readonly logBucket: s3.IBucket;
  /**
   * The role S3 assumes to replicate, when `replicateTo` is given.
   * @default - none (not replicated)
   */
  public readonly replicationRole?: iam.IRole;
  /** Object Lock settings in force. */
  public readonly objectLock: ObjectLockOptions;
  /**
   * Name of the replica bucket, when `replicateTo` is given.
   * @default - none (not replicated)
   */
  public readonly replicaBucketName?: string;

  constructor(scope: Construct, id: string, props: BackupBucketProps = {}) {
    super(scope, id);

    const objectLock = props.objectLock ?? { mode: ObjectLockMode.GOVERNANCE, defaultRetention: Duration.days(35) };
    const tiers = props.lifecycleTiers ?? defaultLifecycleTiers();
    const expiration = props.expiration ?? Duration.days(365);
    const noncurrent = props.noncurrentVersionExpiration ?? Duration.days(30);
    const logRetention = props.serverAccessLogsRetention ?? Duration.days(365);

    const problems: string[] = [];
    const lockDays = wholeDays(objectLock.defaultRetention, 'objectLock.defaultRetention', problems);
    if (lockDays !== undefined && (lockDays < 1 || lockDays > 36500)) {
      problems.push(`objectLock.defaultRetention must be between 1 and 36500 days, got ${lockDays} days`);
    }
    problems.push(...lifecycleProblems({
      tiers,
      expiration,
      noncurrentVersionExpiration: noncurrent,
      lockRetention: lockDays !== undefined ? objectLock.defaultRetention : undefined,
    }));
    const logDays = wholeDays(logRetention, 'serverAccessLogsRetention', problems);
    if (logDays !== undefined && logDays < 1) {
      problems.push(`serverAccessLogsRetention must be at least 1 day, got ${logDays} days`);
    }
    if (props.serverAccessLogsBucket && isObjectLocked(props.serverAccessLogsBucket)) {
      problems.push(`serverAccessLogsBucket: ${props.serverAccessLogsBucket.node.path} has Object Lock enabled, and S3 cannot deliver server access logs to a locked bucket; use an unlocked bucket`);
    }
    if (props.replicateTo) {
      problems.push(...replicationProblems(this, props.replicateTo));
    }
    if (problems.length > 0) {
      throw new ConfigurationError(`BackupBucket ${this.node.path}`, problems);
    }

    this.objectLock = objectLock;
    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts backups in ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (props.serverAccessLogsBucket) {
      this.logBucket = props.serverAccessLogsBucket;
    } else {
      const logBucket = new s3.Bucket(this, 'AccessLogs', {
        // S3 server access logging only delivers to SSE-S3 buckets.
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{
          id: 'expire-access-logs',
          expiration: Duration.days(renderDays(logRetention)),
          noncurrentVersionExpiration: Duration.days(1),
        }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledgeLogBucket(logBucket);
      this.logBucket = logBucket;
    }

    const bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      objectLockEnabled: true,
      objectLockDefaultRetention: objectLock.mode === ObjectLockMode.COMPLIANCE
        ? s3.ObjectLockRetention.compliance(Duration.days(renderDays(objectLock.defaultRetention)))
        : s3.ObjectLockRetention.governance(Duration.days(renderDays(objectLock.defaultRetention))),
      lifecycleRules: [
        {
          id: 'tier-and-expire-backups',
          // Objects under 128 KB are not transitioned by S3 by default, which suits small
          // manifests and WAL-archive metadata: they would cost more in transition requests.
          transitions: tiers.map((t) => ({ storageClass: t.storageClass, transitionAfter: Duration.days(renderDays(t.transitionAfter)) })),
          expiration: Duration.days(renderDays(expiration)),
          noncurrentVersionExpiration: Duration.days(renderDays(noncurrent)),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        {
          // A separate rule: S3 refuses ExpiredObjectDeleteMarker together with an expiry age.
          id: 'remove-expired-delete-markers',
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.bucket = bucket;

    // Logging is wired on the L1 with a bucket policy on the target (not the legacy
    // LogDeliveryWrite ACL, which needs ACLs enabled on the log bucket).
    const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
    const logPrefix = Names.uniqueId(this);
    cfnBucket.loggingConfiguration = {
      destinationBucketName: this.logBucket.bucketName,
      logFilePrefix: `${logPrefix}/`,
    };
    this.logBucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [this.logBucket.arnForObjects(`${logPrefix}/*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': bucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      },
    }));

    if (props.replicateTo) {
      this.replicaBucketName = props.replicateTo.bucket.bucketName;
      this.replicationRole = this.configureReplication(cfnBucket, props.replicateTo, props.replicateDeleteMarkers ?? false);
    }
  }

  protected noReplicaProblem(metricName: string): string {
    return `${metricName} exists only for a replicated bucket; set replicateTo to get replication metrics`;
  }

  private configureReplication(cfnBucket: s3.CfnBucket, replica: BackupBucket, replicateDeleteMarkers: boolean): iam.IRole {
    const stack = Stack.of(this);
    const replicaRegion = Stack.of(replica).region;
    const role = new iam.Role(this, 'ReplicationRole', {
      description: `S3 replication of ${this.node.path} to its DR replica`,
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
    });
    // A customer-managed policy rather than an inline one: the HIPAA, NIST and PCI packs reject
    // inline policies. The statements are exactly what S3 replication of SSE-KMS, Object-Locked
    // objects needs (S3 user guide, "Setting up permissions" and "Replicating encrypted objects").
    const destinationActions = ['s3:ReplicateObject', 's3:ReplicateTags'];
    if (replicateDeleteMarkers) {
      destinationActions.push('s3:ReplicateDelete');
    }
    const policy = new iam.ManagedPolicy(this, 'ReplicationPolicy', {
      description: `Exactly the permissions S3 needs to replicate ${this.node.path}`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadSourceConfiguration',
          actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
          resources: [this.bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadSourceVersions',
          actions: [
            's3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging',
            // Object Lock: the replica receives each version's retention and legal hold.
            's3:GetObjectRetention', 's3:GetObjectLegalHold',
          ],
          resources: [this.bucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          sid: 'WriteReplicas',
          actions: destinationActions,
          resources: [replica.bucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptSourceObjects',
          actions: ['kms:Decrypt'],
          resources: [this.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
            // With an S3 Bucket Key the context is the bucket ARN, without one the object ARN.
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [this.bucket.bucketArn, this.bucket.arnForObjects('*')] },
          },
        }),
        new iam.PolicyStatement({
          sid: 'EncryptReplicas',
          actions: ['kms:Encrypt'],
          resources: [replica.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${replicaRegion}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [replica.bucket.bucketArn, replica.bucket.arnForObjects('*')] },
          },
        }),
      ],
    });
    const reason = 'S3 replication reads and writes every object version; the wildcard is the object key inside one named bucket, as the S3 replication guide prescribes.';
    acknowledgeWildcardResource(policy, this.bucket.arnForObjects('*'), reason);
    acknowledgeWildcardResource(policy, replica.bucket.arnForObjects('*'), reason);
    const isReplica = `This bucket is the cross-region replica of ${this.node.path}; replicating a replica onward would only chain the same copy.`;
    acknowledge(replica.bucket, [
      ['HIPAA.Security-S3BucketReplicationEnabled', isReplica],
      ['NIST.800.53.R5-S3BucketReplicationEnabled', isReplica],
      ['PCI.DSS.321-S3BucketReplicationEnabled', isReplica],
    ]);

    cfnBucket.replicationConfiguration = {
      role: role.roleArn,
      rules: [{
        id: REPLICATION_RULE_ID,
        status: 'Enabled',
        priority: 0,
        filter: { prefix: '' },
        deleteMarkerReplication: { status: replicateDeleteMarkers ? 'Enabled' : 'Disabled' },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: {
          bucket: replica.bucket.bucketArn,
          encryptionConfiguration: { replicaKmsKeyId: replica.encryptionKey.keyArn },
          // Replication Time Control: 99.99% of objects within 15 minutes; needs metrics on.
          replicationTime: { status: 'Enabled', time: { minutes: 15 } },
          metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
        },
      }],
    };
    return role;
  }
}

/** A bucket is known to be locked when it is a CfnBucket-backed bucket of this app with Object Lock. */
function isObjectLocked(bucket: s3.IBucket): boolean {
  const child = bucket.node.defaultChild;
  if (!(child instanceof s3.CfnBucket)) {
    return false;
  }
  const enabled = child.objectLockEnabled;
  return (enabled === true) || (child.objectLockConfiguration !== undefined && !Token.isUnresolved(child.objectLockConfiguration));
}

function replicationProblems(source: Construct, replica: BackupBucket): string[] {
  const sourceRegion = Stack.of(source).region;
  const replicaRegion = Stack.of(replica).region;
  if (Token.isUnresolved(sourceRegion) || Token.isUnresolved(replicaRegion)) {
    return [`replicateTo: cross-region replication needs stacks with an explicit region (env.region); source stack region is ${Token.isUnresolved(sourceRegion) ? 'unresolved' : sourceRegion}, replica stack region is ${Token.isUnresolved(replicaRegion) ? 'unresolved' : replicaRegion}`];
  }
  // Replicating locked objects needs Object Lock on the destination: a BackupBucket always has it.
  const problems: string[] = [];
  if (sourceRegion === replicaRegion) {
    problems.push(`replicateTo: the replica ${replica.node.path} is in ${replicaRegion}, the same region as the source (${sourceRegion}); a DR replica must be in another region`);
  }
  return problems;
}

function acknowledgeLogBucket(logBucket: s3.Bucket): void {
  // The packs already accept a log target without logging of its own (S1, S3BucketLoggingEnabled).
  const sseS3 = 'S3 server access logging delivers only to SSE-S3 encrypted target buckets; SSE-KMS would make log delivery fail.';
  const noReplica = 'Access logs are the audit record of this region; the backups they describe are replicated, the logs need not be.';
  acknowledge(logBucket, [
    ['HIPAA.Security-S3DefaultEncryptionKMS', sseS3],
    ['NIST.800.53.R5-S3DefaultEncryptionKMS', sseS3],
    ['PCI.DSS.321-S3DefaultEncryptionKMS', sseS3],
    ['HIPAA.Security-S3BucketReplicationEnabled', noReplica],
    ['NIST.800.53.R5-S3BucketReplicationEnabled', noReplica],
    ['PCI.DSS.321-S3BucketReplicationEnabled', noReplica],
  ]);
}
