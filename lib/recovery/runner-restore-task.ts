/**
 * The restore task definition of a database's logical runner in the primary Region: the runner
 * image running `restore` (the document or the runbook gives the target and the flags), with the
 * runner's own backup role (it reads only that database's folders of the bucket and never deletes)
 * and execution role, its log group, and the restore target's credentials from Secrets Manager.
 * One resource per logical runner: everything else is the runner's.
 */
import { Duration, Stack, aws_ecs as ecs, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BackupRunner } from '../runner/backup-runner';
import { defaultImage } from '../runner/image';
import { acknowledge } from '../storage/acknowledgements';
import { RUNNER_ENV } from '../../runtime/contracts/runner-env';
import { DR_RESTORE_ENV } from './dr-region-validation';

/** The container RunTask overrides (the same name as the runner's and the DR restore tasks'). */
export const RESTORE_CONTAINER_NAME = 'runner';
const SPOOL_DIR = '/tmp/runner-spool';

/** @internal What a primary-Region restore task is built from. */
export interface RunnerRestoreTaskProps {
  readonly runner: BackupRunner;
  /** Secret of the user the restore connects to the target with (field `password`; `username` unless `targetUser`). */
  readonly targetCredentials: secretsmanager.ISecret;
  /** The target's user when the secret holds only the password. */
  readonly targetUser?: string;
  readonly image?: ecs.ContainerImage;
  readonly cpuArchitecture?: ecs.CpuArchitecture;
}

/** @internal Creates the restore task definition of `runner` in its stack. */
export function runnerRestoreTask(id: string, props: RunnerRestoreTaskProps): ecs.FargateTaskDefinition {
  const { runner } = props;
  const scope: Construct = Stack.of(runner);
  const arch = props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64;
  const taskDefinition = new ecs.FargateTaskDefinition(scope, id, {
    cpu: 1024,
    memoryLimitMiB: 2048,
    runtimePlatform: { cpuArchitecture: arch, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    taskRole: runner.backupRole,
    executionRole: runner.executionRole,
  });
  const prefix = runner.backupPrefix.slice(0, runner.backupPrefix.length - `/${runner.database}/${runner.engine}`.length);
  taskDefinition.addContainer(RESTORE_CONTAINER_NAME, {
    image: props.image ?? defaultImage(arch),
    command: ['restore'],
    environment: {
      [RUNNER_ENV.engine]: runner.engine,
      [RUNNER_ENV.database]: runner.database,
      [RUNNER_ENV.s3Bucket]: runner.backupBucket.bucket.bucketName,
      [RUNNER_ENV.s3Prefix]: prefix,
      [RUNNER_ENV.region]: Stack.of(runner).region,
      [RUNNER_ENV.spoolDir]: SPOOL_DIR,
      ...(props.targetUser !== undefined ? { [DR_RESTORE_ENV.targetUser]: props.targetUser } : {}),
    },
    secrets: {
      ...(props.targetUser === undefined ? { [DR_RESTORE_ENV.targetUser]: ecs.Secret.fromSecretsManager(props.targetCredentials, 'username') } : {}),
      [DR_RESTORE_ENV.targetPassword]: ecs.Secret.fromSecretsManager(props.targetCredentials, 'password'),
    },
    logging: ecs.LogDrivers.awsLogs({ logGroup: runner.logGroup, streamPrefix: `${runner.database}-restore` }),
    essential: true,
    stopTimeout: Duration.seconds(60),
  });
  acknowledge(taskDefinition, [['AwsSolutions-ECS2',
    'The environment holds only non-secret runner settings (engine, database name, bucket, prefix, Region, spool directory, target user); the target\'s password comes from Secrets Manager as an ECS secret']]);
  return taskDefinition;
}
