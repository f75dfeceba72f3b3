/**
 * A database's recovery description (runtime/recovery's input) from the constructs, for the
 * Markdown runbooks: values synthesis knows are literal; names CloudFormation generates are
 * markers of the shell variables the runbook's Set up block reads from the deployed stacks.
 */
import { Token, aws_ec2 as ec2, aws_ecs as ecs } from 'aws-cdk-lib';
import { DatabaseResourceKind } from '../protection/protected-database';
import { BackupRunner } from '../runner/backup-runner';
import { findEngine } from '../../runtime/engines';
import type { DatabaseType } from '../../runtime/engines/record';
import type { DatabaseRecoveryDescription } from '../../runtime/recovery';
import { marker } from './shell-lines';
import type { DrRegionRecovery } from './dr-region-recovery';
import { StackValue, derivedValue, operatorValue, stackValue } from './stack-value';

/** What the description is built from. */
export interface DescriptionInput {
  readonly name: string;
  readonly databaseType: DatabaseType;
  readonly primaryRegion: string;
  readonly drRegion?: string;
  readonly source?: { readonly kind: DatabaseResourceKind; readonly identifier: StackValue; readonly arn: StackValue };
  readonly vault?: StackValue;
  readonly drVault?: StackValue;
  /** The AWS Backup restore role's name in the DR Region (its ARN is read from IAM). */
  readonly restoreRole?: StackValue;
  readonly bucket?: StackValue;
  readonly replicaBucket?: StackValue;
  readonly runners: BackupRunner[];
  /** Restore task definitions by engine (they hold the target's credentials): the run-task lines start these instead of the backup task. */
  readonly restoreTaskDefinitions?: { readonly [engine: string]: ecs.FargateTaskDefinition };
  /** The DR Region's recovery: its restore tasks run the DR procedure's runner restore. */
  readonly drRecovery?: DrRegionRecovery;
  readonly host?: { readonly address: string; readonly port: number; readonly user: string; readonly databaseName?: string; readonly dataDirectory?: string };
  readonly estimateMinutes?: number;
}

/** The description, and the values of its Set up block, in order. */
export interface RunbookDescription {
  readonly description: DatabaseRecoveryDescription;
  readonly values: StackValue[];
}

export function recoveryDescriptionOf(input: DescriptionInput): RunbookDescription {
  const values: StackValue[] = [];
  const use = (v: StackValue | undefined): string | undefined => {
    if (!v) return undefined;
    if (!values.some((x) => x.variable === v.variable)) values.push(v);
    return v.literal ?? marker(v.variable);
  };
  const source = input.source;
  const cluster = source?.kind === DatabaseResourceKind.AURORA_CLUSTER;
  const identifier = use(source?.identifier);
  use(source?.arn);
  const subnetGroup = source && use(derivedValue('SUBNET_GROUP', cluster
    ? `$(aws rds describe-db-clusters --region ${input.primaryRegion} --db-cluster-identifier "$${source.identifier.variable}" --query 'DBClusters[0].DBSubnetGroup' --output text)`
    : `$(aws rds describe-db-instances --region ${input.primaryRegion} --db-instance-identifier "$${source.identifier.variable}" --query 'DBInstances[0].DBSubnetGroup.DBSubnetGroupName' --output text)`,
  'production\'s DB subnet group, read from RDS'));
  const restoreRoleArn = input.restoreRole && (use(input.restoreRole), use(derivedValue('RESTORE_ROLE_ARN',
    `$(aws iam get-role --role-name "$${input.restoreRole.variable}" --query Role.Arn --output text)`, 'the restore role\'s ARN, read from IAM')));
  const physical = input.runners.find((r) => findEngine(r.engine)?.kind === 'physical');
  const logical = input.runners.find((r) => findEngine(r.engine)?.kind === 'logical');
  const first = input.runners[0];
  const prefix = first && first.backupPrefix.slice(0, first.backupPrefix.length - `/${first.database}/${first.engine}`.length);
  const taskDefinitions: Record<string, string> = {};
  for (const r of input.runners) {
    const td = input.restoreTaskDefinitions?.[r.engine] ?? r.taskDefinitions[0];
    if (td) taskDefinitions[r.engine] = use(stackValue(`TASK_DEFINITION_${r.engine.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`, td.taskDefinitionArn, td))!;
  }
  const dr = input.drRecovery;
  const drTasks = dr?.cluster && dr.restoreTaskSecurityGroup && dr.clusterName
    ? input.runners.flatMap((r) => {
      const task = dr.restoreTaskOf(r.database);
      return task && task.engine === r.engine ? [task] : [];
    })
    : [];
  const drRunner = dr && drTasks.length > 0 ? {
    cluster: use(stackValue('DR_CLUSTER', dr.clusterName!, dr.cluster!))!,
    taskDefinitions: Object.fromEntries(drTasks.map((t) => [t.engine,
      use(stackValue(`DR_TASK_DEFINITION_${t.engine.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`, t.taskDefinition.taskDefinitionArn, t.taskDefinition))!])),
    subnets: dr.subnetIds.map((s, i) => use(Token.isUnresolved(s) ? stackValue(`DR_SUBNET_${i}`, s, dr) : { variable: `DR_SUBNET_${i}`, literal: s, display: `\`${s}\``, shell: `DR_SUBNET_${i}='${s}'` })!),
    securityGroups: [use(stackValue('DR_SECURITY_GROUP_0', dr.restoreTaskSecurityGroup!.securityGroupId, dr.restoreTaskSecurityGroup!))!],
    containerName: drTasks[0].containerName,
  } : undefined;
  const description: DatabaseRecoveryDescription = {
    name: input.name,
    databaseType: input.databaseType,
    deployment: !source ? 'self-managed' : cluster ? 'aurora' : 'rds',
    primaryRegion: input.primaryRegion,
    ...(input.drRegion ? { drRegion: input.drRegion } : {}),
    ...(physical ? { physicalEngine: physical.engine } : {}),
    ...(logical ? { logicalEngine: logical.engine } : {}),
    ...(input.bucket ? { storage: { bucket: use(input.bucket), prefix, ...(input.replicaBucket ? { replicaBucket: use(input.replicaBucket) } : {}) } } : {}),
    ...(first ? { runner: {
      cluster: use(stackValue('CLUSTER', first.cluster.clusterName, first.cluster))!,
      taskDefinitions,
      subnets: subnetsOf(first).map((s, i) => use(s.startsWith('subnet-') ? { variable: `SUBNET_${i}`, literal: s, display: `\`${s}\``, shell: `SUBNET_${i}='${s}'` }
        : Token.isUnresolved(s) ? stackValue(`SUBNET_${i}`, s, first) : operatorValue(`SUBNET_${i}`, 'a private subnet of the runner'))!),
      securityGroups: first.connections.securityGroups.map((g, i) => use(stackValue(`SECURITY_GROUP_${i}`, g.securityGroupId, g))!),
    } } : {}),
    ...(drRunner ? { drRunner } : {}),
    ...(source && identifier ? { managed: {
      identifier,
      arn: source.arn.literal ?? marker(source.arn.variable),
      vaultName: use(input.vault) ?? marker('VAULT'),
      ...(input.drVault ? { drVaultName: use(input.drVault) } : {}),
      restoreRoleArn: restoreRoleArn ?? marker('RESTORE_ROLE_ARN'),
      ...(subnetGroup ? { subnetGroupName: subnetGroup } : {}),
      ...(input.drVault ? { drSubnetGroupName: use(operatorValue('DR_SUBNET_GROUP', 'DB subnet group of the DR network')) } : {}),
    } } : {}),
    ...(input.host ? { host: input.host } : {}),
    ...(input.estimateMinutes !== undefined ? { estimates: {
      pointInTimeMinutes: input.estimateMinutes, drRegionMinutes: input.estimateMinutes,
    } } : {}),
  };
  return { description, values };
}

/** The private subnets the runner's tasks run in (its cluster's VPC), or none when they cannot be selected. */
export function subnetsOf(runner: BackupRunner): string[] {
  try {
    return runner.cluster.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
  } catch {
    return ['?'];
  }
}

