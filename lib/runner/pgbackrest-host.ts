/**
 * pgBackRest around the runner: the preset's settings, the expire role's backup.info rewrite, and
 * the database host's side (its pgbackrest.conf and archive_command in SSM, and its write-only
 * policy), rendered from the same settings the runner receives.
 */
import { CfnOutput, Stack, aws_iam as iam, aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IBackupBucket } from '../storage/backup-bucket';
import {
  DEFAULT_TLS_SERVER_PORT, PGBACKREST_RUNNER_ENV, PgBackRestSettings, dbHostSecretsFileHint,
  pgBackRestSettingsProblems, renderArchiveCommand, renderDbHostConfig, renderRestoreCommand, renderServerCommand, repositoryPrefixes,
} from '../../runtime/pgbackrest/config';
import { PgBackRestRunnerProps } from './preset-props';
import { RunnerEngine } from './runner-engine';
import { BackupRunnerProps } from './runner-props';

/** The BackupRunner props of the pgBackRest preset: its settings and its four secrets. */
export function pgBackRestRunnerProps(scope: Construct, props: PgBackRestRunnerProps): BackupRunnerProps {
  const settings: PgBackRestSettings = {
    stanza: props.stanza,
    repository: {
      bucket: props.backupBucket.bucket.bucketName,
      region: Stack.of(scope).region,
      ...(props.repositoryPath ? { path: props.repositoryPath } : {}),
    },
    databaseHost: props.databaseHost,
    ...(props.compressLevel !== undefined ? { compressLevel: props.compressLevel } : {}),
    ...(props.processMax !== undefined ? { processMax: props.processMax } : {}),
    ...(props.retainCount !== undefined ? { retentionFull: props.retainCount } : {}),
    ...(props.retentionDiff !== undefined ? { retentionDiff: props.retentionDiff } : {}),
  };
  return {
    ...props,
    engine: RunnerEngine.PGBACKREST,
    pgBackRest: settings,
    secrets: [
      ...(props.secrets ?? []),
      { environmentVariable: PGBACKREST_RUNNER_ENV.cipherPass, secret: props.cipherPassphrase },
      { environmentVariable: PGBACKREST_RUNNER_ENV.tlsCa, secret: props.tlsIdentity, field: 'ca' },
      { environmentVariable: PGBACKREST_RUNNER_ENV.tlsClientCert, secret: props.tlsIdentity, field: 'cert' },
      { environmentVariable: PGBACKREST_RUNNER_ENV.tlsClientKey, secret: props.tlsIdentity, field: 'key' },
    ],
    databaseHostParameterPrefix: props.parameterPrefix,
  };
}

/**
 * archive-push encrypts each WAL segment with the repository passphrase: the host reads it once
 * to write <configPath>/conf.d/secrets.conf.
 */
export function grantHostPassphrase(policy: iam.ManagedPolicy, props: PgBackRestRunnerProps, region: string): void {
  policy.addStatements(new iam.PolicyStatement({
    sid: 'ReadRepositoryPassphrase',
    actions: ['secretsmanager:GetSecretValue'],
    resources: [props.cipherPassphrase.secretArn],
  }));
  if (props.cipherPassphrase.encryptionKey) {
    policy.addStatements(new iam.PolicyStatement({
      sid: 'DecryptRepositoryPassphrase',
      actions: ['kms:Decrypt'],
      resources: [props.cipherPassphrase.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
    }));
  }
}

/**
 * The settings with the repository's empty bucket and region filled from the backup bucket and
 * the stack, and their problems (each prefixed `pgBackRest.`).
 */
export function completePgBackRestSettings(given: PgBackRestSettings, bucketName: string, region: string): { settings: PgBackRestSettings; problems: string[] } {
  const settings: PgBackRestSettings = {
    ...given,
    repository: {
      ...given.repository,
      bucket: given.repository.bucket || bucketName,
      region: given.repository.region || region,
    },
  };
  return { settings, problems: pgBackRestSettingsProblems(settings).map((p) => `pgBackRest.${p}`) };
}

/**
 * pgBackRest's expire rewrites backup.info (and its copy) after removing a backup: PutObject on
 * exactly those two keys, and KMS data keys to encrypt them.
 */
export function grantPgBackRestExpire(role: iam.IRole, bucket: IBackupBucket, settings: PgBackRestSettings): void {
  const { backup } = repositoryPrefixes(settings);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'PgBackRestExpireRewritesBackupInfo',
    actions: ['s3:PutObject'],
    resources: [bucket.bucket.arnForObjects(`${backup}/backup.info`), bucket.bucket.arnForObjects(`${backup}/backup.info.copy`)],
  }));
  bucket.encryptionKey.grant(role, 'kms:GenerateDataKey', 'kms:Encrypt');
}

/** What {@link publishDatabaseHostSide} creates. */
export interface DatabaseHostSide {
  /** The database host's policy: archive-push and archive-get of this stanza only. */
  readonly policy: iam.ManagedPolicy;
  /** The host's pgbackrest.conf (no secrets). */
  readonly config: ssm.StringParameter;
  /** The host's archive_command. */
  readonly archiveCommand: ssm.StringParameter;
}

/** The database host's policy (archive-push/get of this stanza only) and its configuration in SSM, under `scope`. */
export function publishDatabaseHostSide(scope: Construct, settings: PgBackRestSettings, bucket: IBackupBucket, database: string, prefix?: string): DatabaseHostSide {
  const { archive } = repositoryPrefixes(settings);
  const paramPrefix = prefix ?? `/cdk-database-dr/${database}/pgbackrest`;
  const policy = new iam.ManagedPolicy(scope, 'DatabaseHostPolicy', {
    description: `pgBackRest on the database host of ${database}: archive-push and archive-get of stanza ${settings.stanza} only`,
    statements: [
      new iam.PolicyStatement({
        // archive-push uploads each WAL segment; it never deletes or overwrites backups.
        sid: 'ArchivePushWritesWal',
        actions: ['s3:PutObject'],
        resources: [bucket.bucket.arnForObjects(`${archive}/*`)],
      }),
      new iam.PolicyStatement({
        // archive-push reads archive.info to check the cluster's system id; archive-get (restore_command) reads WAL back.
        sid: 'ArchiveGetReadsWal',
        actions: ['s3:GetObject'],
        resources: [bucket.bucket.arnForObjects(`${archive}/*`)],
      }),
      new iam.PolicyStatement({
        // Segment names carry a checksum suffix: both commands list the segment's folder to find it
        // (archive-push also to detect a segment that was already pushed).
        sid: 'ArchiveListsWalFolder',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${archive}/*`, `${archive}/`] } },
      }),
      new iam.PolicyStatement({
        // SSE-KMS: data keys to write, Decrypt to read the segments and archive.info.
        sid: 'BucketKeyForWal',
        actions: ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'],
        resources: [bucket.encryptionKey.keyArn],
      }),
    ],
  });
  const config = new ssm.StringParameter(scope, 'DatabaseHostConfig', {
    parameterName: `${paramPrefix}/pgbackrest.conf`,
    description: `pgbackrest.conf for the database host of ${database} (no secrets; the passphrase goes in conf.d/secrets.conf)`,
    stringValue: renderDbHostConfig(settings),
  });
  const archiveCommand = new ssm.StringParameter(scope, 'ArchiveCommand', {
    parameterName: `${paramPrefix}/archive_command`,
    description: `archive_command for PostgreSQL on the database host of ${database}`,
    stringValue: renderArchiveCommand(settings),
  });
  new CfnOutput(scope, 'DatabaseHostSetup', {
    description: `pgBackRest database host of ${database}: where its configuration is published and how to wire it`,
    value: [
      `pgbackrest.conf: SSM ${paramPrefix}/pgbackrest.conf`,
      `archive_command: ${renderArchiveCommand(settings)}`,
      `restore_command: ${renderRestoreCommand(settings)}`,
      `server: ${renderServerCommand(settings)} (TLS port ${settings.databaseHost.tlsPort ?? DEFAULT_TLS_SERVER_PORT})`,
      dbHostSecretsFileHint(settings).split('\n')[0],
    ].join(' | '),
  });
  return { policy, config, archiveCommand };
}
