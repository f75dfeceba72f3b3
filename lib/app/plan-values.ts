/**
 * Plan values turned into construct inputs: durations, secrets by ARN, identifiers, schedules,
 * check expectations. Small pure helpers of the DR app builder.
 */
import { Annotations, Duration, Stack, aws_ec2 as ec2, aws_ecr as ecr, aws_ecs as ecs, aws_scheduler as scheduler, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { BackupPlanConfig, CheckExpect, DatabaseConfig, DatabaseEngine, NetworkConfig, PlanVerificationCheck, VaultLockMode } from '../plan';
import { Construct } from 'constructs';
import { VaultLockOptions } from '../storage';
import { CheckExpectation, VerificationCheck, VerifiedEngine } from '../verification';

/** Where the runner keeps its backups: `<prefix>/<database>/<engine>/<backup id>/`. */
export const RUNNER_PREFIX = 'runner';

export function vaultLockOf(plan: BackupPlanConfig): VaultLockOptions | undefined {
  const lock = plan.vaultLock;
  if (!lock) return undefined;
  return {
    minRetention: Duration.days(lock.minRetentionDays),
    maxRetention: lock.maxRetentionDays !== undefined ? Duration.days(lock.maxRetentionDays) : undefined,
    changeableFor: lock.mode === VaultLockMode.COMPLIANCE && lock.changeableForHours !== undefined
      ? Duration.hours(lock.changeableForHours) : undefined,
  };
}

/** A secret given by ARN: complete ARNs end with AWS's six-character suffix. */
export function importSecret(stack: Stack, id: string, arn: string): secretsmanager.ISecret {
  return /-[A-Za-z0-9]{6}$/.test(arn)
    ? secretsmanager.Secret.fromSecretCompleteArn(stack, id, arn)
    : secretsmanager.Secret.fromSecretPartialArn(stack, id, arn);
}


/** An EventBridge Scheduler cron from an AWS cron(...) expression of the plan (UTC). */
export function schedulerCron(expression: string): scheduler.ScheduleExpression {
  return scheduler.ScheduleExpression.expression(expression);
}

export function checkExpectation(c: PlanVerificationCheck): VerificationCheck {
  const expect: Record<CheckExpect, CheckExpectation> = {
    [CheckExpect.EQUALS]: CheckExpectation.EQUALS,
    [CheckExpect.AT_LEAST]: CheckExpectation.AT_LEAST,
    [CheckExpect.NOT_EMPTY]: CheckExpectation.NOT_EMPTY,
    [CheckExpect.NEWER_THAN]: CheckExpectation.NEWER_THAN,
  };
  return {
    name: c.name,
    sql: c.sql,
    expect: expect[c.expect],
    value: c.expected,
    maxAge: c.maxAgeMinutes !== undefined ? Duration.minutes(c.maxAgeMinutes) : undefined,
  };
}

export function verifiedEngine(db: DatabaseConfig): VerifiedEngine | undefined {
  if (db.engine === DatabaseEngine.POSTGRES) return VerifiedEngine.POSTGRESQL;
  if (db.engine === DatabaseEngine.MYSQL || db.engine === DatabaseEngine.MARIADB) return VerifiedEngine.MYSQL;
  return undefined;
}

/** A CloudWatch-friendly construct id from a database name. */
export function idOf(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '-');
}

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>(:<tag>|@<digest>)`. */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)(?::([^@]+)|@(sha256:[a-f0-9]{64}))$/;

/**
 * The plan's `runner_image`: an ECR image through its repository (so the task execution role is
 * granted the pull), any other registry's image by URI (public, or reachable without credentials).
 */
export function runnerImageOf(stack: Stack, uri: string): ecs.ContainerImage {
  const m = ECR_IMAGE.exec(uri);
  if (!m) return ecs.ContainerImage.fromRegistry(uri);
  const [, account, region, china, repositoryName, tag, digest] = m;
  const repository = ecr.Repository.fromRepositoryAttributes(stack, 'RunnerImageRepository', {
    repositoryName,
    repositoryArn: `arn:${china ? 'aws-cn' : 'aws'}:ecr:${region}:${account}:repository/${repositoryName}`,
  });
  return ecs.ContainerImage.fromEcrRepository(repository, tag ?? digest);
}

/**
 * The plan's VPC (`network` or `dr_network`) imported as `Vpc` under `scope`. Nothing in the app
 * reads subnet route tables (no gateway endpoints, no routes), so CDK's warning about them is
 * acknowledged with `uses`: what the app places in the subnets.
 */
export function importPlanVpc(scope: Construct, network: NetworkConfig | undefined, uses: string): ec2.IVpc | undefined {
  if (!network) return undefined;
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: network.vpcId,
    availabilityZones: network.availabilityZones,
    privateSubnetIds: network.privateSubnetIds,
  });
  Annotations.of(vpc).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId',
    `The DR app only places ${uses} in these subnets; it never reads or changes their route tables`);
  return vpc;
}
