/**
 * DR-region recovery as a construct: the roles' exact permissions (and that none may delete or
 * unlock a backup), the restore tasks reading the replica bucket, the network, the restore
 * testing plan over the DR vault's copies, and its alarms reaching the DR stack's topic.
 */
import { App, Duration, Stack, aws_ec2 as ec2, aws_ecs as ecs, aws_events as events, aws_iam as iam } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigurationError } from '../../lib/errors';
import { AlarmTopic } from '../../lib/monitoring/alarm-topic';
import { DatabaseResourceKind, ProtectedDatabase } from '../../lib/protection';
import { Construct } from 'constructs';
import { DrRegionRecovery, DrRegionRecoveryProps } from '../../lib/recovery/dr-region-recovery';
import { DR_RESTORE_ENV } from '../../lib/recovery/dr-region-validation';
import { RunnerEngine } from '../../lib/runner';
import { BackupBucket, BackupVault } from '../../lib/storage';
import { RUNNER_ENV } from '../../runtime/contracts/runner-env';
import { COMMON_OPTIONS } from '../../runner/src/core/common-options';
import { envName } from '../../runner/src/core/options';
import { alarmRoutingProblems } from '../support/alarm-routing';
import { nagFindings } from '../support/nag';

const IMAGE = 'public.ecr.aws/example/cdk-database-dr-runner:1.0.0';
const ORDERS = 'arn:aws:rds:us-east-1:111122223333:db:orders-prod';
const BILLING = 'arn:aws:rds:us-east-1:111122223333:cluster:billing-prod';

function drStack(withVpc: boolean, extra: Partial<DrRegionRecoveryProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Dr', { env: { account: '111122223333', region: 'us-west-2' } });
  const topic = new AlarmTopic(stack, 'AlarmTopic', { email: 'oncall@example.com', displayName: 'DR alarms' });
  const vault = new BackupVault(stack, 'DrVault', { notificationTopic: topic.topic });
  const replicaBucket = new BackupBucket(stack, 'ReplicaBucket');
  const vpc = withVpc ? ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0b2c3d4e5f6071829', availabilityZones: ['us-west-2a', 'us-west-2b'], privateSubnetIds: ['subnet-0b2c3d4e5f6071829', 'subnet-0e1d2c3b4a5968778'],
  }) : undefined;
  const recovery = new DrRegionRecovery(stack, 'Recovery', {
    vault, replicaBucket, alarmTopic: topic.topic, alarmNamePrefix: 'plan-dr', vpc,
    image: ecs.ContainerImage.fromRegistry(IMAGE),
    restoreRunners: [
      { database: 'ledger', engine: RunnerEngine.PG_DUMP, targetDatabaseName: 'ledger_app' },
      { database: 'billing', engine: RunnerEngine.MYSQLDUMP },
    ],
    restoreTests: [
      { name: 'orders', database: ProtectedDatabase.fromInstanceArn(ORDERS) },
      { name: 'billing', database: ProtectedDatabase.fromClusterArn(BILLING) },
    ],
    ...extra,
  });
  return { app, stack, vault, replicaBucket, topic, recovery };
}

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown };
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Every statement of the managed policies attached to a role (by its logical id). */
function statementsOf(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::ManagedPolicy');
  return Object.values(policies)
    .filter((p: any) => list(p.Properties.Roles).some((r: any) => r.Ref === roleLogicalId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement as Statement[]);
}

function roleId(stack: Stack, role: iam.IRole): string {
  return stack.resolve((role.node.defaultChild as iam.CfnRole).logicalId);
}

/** `s3:Get*` covers `s3:GetObject`: IAM's wildcard match of an allowed action against a named one. */
function covers(allowed: string, action: string): boolean {
  const re = new RegExp(`^${allowed.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return re.test(action);
}

/** Allowed actions of a role that could delete or unlock a backup, by the deny list and by name. */
function deleteOrUnlockGrants(statements: Statement[]): string[] {
  const found: string[] = [];
  for (const s of statements.filter((x) => x.Effect === 'Allow')) {
    for (const a of list(s.Action)) {
      const named = DrRegionRecovery.DENIED_ACTIONS.filter((d) => covers(a, d));
      if (named.length || /(^s3:.*Delete|^backup:.*(Delete|Lock|AccessPolicy|Lifecycle|Disassociate)|^kms:(ScheduleKeyDeletion|DisableKey|PutKeyPolicy))/i.test(a)) found.push(a);
    }
  }
  return found;
}

describe('DR-region recovery with the DR network', () => {
  const { stack, recovery, topic } = drStack(true);
  const template = Template.fromStack(stack);

  test('the recovery role: restore jobs from the DR vault with the restore role, the restore tasks, reading the replica; exactly these actions', () => {
    const statements = statementsOf(template, roleId(stack, recovery.recoveryRole));
    const bySid = Object.fromEntries(statements.filter((s) => s.Sid).map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      'DescribeRestoredDatabases', 'NeverDeleteOrUnlockBackups', 'PassRestoreServiceRole', 'PassRestoreTaskRoles',
      'ReadDrVault', 'RunRestoreTasks', 'StartRestoreFromDrVault', 'WatchRestoreJobs', 'WatchRestoreTasks',
    ]);
    expect(bySid.StartRestoreFromDrVault.Action).toBe('backup:StartRestoreJob');
    expect(JSON.stringify(bySid.StartRestoreFromDrVault.Resource)).toMatch(/:backup:.*recovery-point:\*/);
    expect(bySid.PassRestoreServiceRole).toMatchObject({
      Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
      Resource: { 'Fn::GetAtt': [roleId(stack, recovery.restoreServiceRole), 'Arn'] },
    });
    expect(bySid.ReadDrVault.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DrVault/), 'BackupVaultArn'] });
    expect(bySid.RunRestoreTasks).toMatchObject({ Action: 'ecs:RunTask', Condition: { ArnEquals: { 'ecs:cluster': expect.anything() } } });
    expect(list(bySid.RunRestoreTasks.Resource)).toHaveLength(2);
    expect(bySid.PassRestoreTaskRoles.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    // The rest, without Sid: reading the replica bucket (grantReadBackups), its key, and the generated target credentials.
    const actions = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)).sort();
    expect(actions).toEqual([
      'backup:DescribeBackupVault', 'backup:DescribeRecoveryPoint', 'backup:DescribeRestoreJob', 'backup:GetRecoveryPointRestoreMetadata',
      'backup:ListRecoveryPointsByBackupVault', 'backup:StartRestoreJob',
      'ecs:DescribeTasks', 'ecs:RunTask', 'ecs:StopTask',
      'iam:PassRole', 'iam:PassRole',
      'kms:Decrypt',
      'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots',
      's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion',
      's3:ListBucket', 's3:ListBucketVersions',
      'secretsmanager:DescribeSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:GetSecretValue',
    ].sort());
  });

  test.each([['restore task', 'ecs-tasks.amazonaws.com'], ['database host', 'ec2.amazonaws.com']])('the %s role reads the replica bucket and decrypts with its key, nothing else', (which, service) => {
    const role = which === 'restore task' ? recovery.restoreTaskRole : recovery.databaseHostRole;
    expect(template.toJSON().Resources[roleId(stack, role)].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: service } },
    ]);
    const statements = statementsOf(template, roleId(stack, role));
    const allowed = statements.filter((s) => s.Effect === 'Allow');
    expect(allowed.flatMap((s) => list(s.Action)).sort()).toEqual([
      'kms:Decrypt', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion', 's3:ListBucket', 's3:ListBucketVersions',
    ]);
    const resources = JSON.stringify(allowed.map((s) => s.Resource));
    expect(resources).toMatch(/ReplicaBucket/);
    expect(resources).not.toMatch(/DrVault/);
  });

  test('the restore service role: AWS Backup\'s restore policy, the DR vault key for the copies, and trusted by backup.amazonaws.com only', () => {
    const id = roleId(stack, recovery.restoreServiceRole);
    const role = template.toJSON().Resources[id];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({
      Principal: { Service: 'backup.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    })]);
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AWSBackupServiceRolePolicyForRestores');
    const allowed = statementsOf(template, id).filter((s) => s.Effect === 'Allow');
    expect(allowed.map((s) => [s.Sid, list(s.Action)])).toEqual([['DrVaultKey', ['kms:Decrypt', 'kms:DescribeKey']], ['DrVaultKeyGrants', ['kms:CreateGrant']]]);
    expect(allowed[1].Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    expect(JSON.stringify(allowed.map((s) => s.Resource))).toMatch(/DrVaultKey/);
  });

  test('no identity of DR recovery may delete or unlock a backup: nothing allowed covers a delete/unlock action, and each denies them all', () => {
    for (const role of [recovery.recoveryRole, recovery.restoreTaskRole, recovery.databaseHostRole, recovery.restoreServiceRole, recovery.executionRole]) {
      const statements = statementsOf(template, roleId(stack, role));
      expect({ role: role.node.path, grants: deleteOrUnlockGrants(statements) }).toEqual({ role: role.node.path, grants: [] });
    }
    for (const role of [recovery.recoveryRole, recovery.restoreTaskRole, recovery.databaseHostRole, recovery.restoreServiceRole]) {
      const deny = statementsOf(template, roleId(stack, role)).find((s) => s.Effect === 'Deny');
      expect(deny).toEqual({ Sid: 'NeverDeleteOrUnlockBackups', Effect: 'Deny', Action: [...DrRegionRecovery.DENIED_ACTIONS], Resource: '*' });
    }
    expect(DrRegionRecovery.DENIED_ACTIONS).toEqual(expect.arrayContaining([
      's3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:PutObjectRetention', 'backup:DeleteRecoveryPoint',
      'backup:DeleteBackupVaultLockConfiguration', 'backup:PutBackupVaultLockConfiguration', 'kms:ScheduleKeyDeletion',
    ]));
    // No inline policies: every permission is in a managed policy checked above.
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('the delete/unlock check finds a grant that would let a role delete (it can fail)', () => {
    const bad = drStack(true);
    bad.recovery.recoveryRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:Delete*', 'backup:UpdateRecoveryPointLifecycle'], resources: ['*'] }));
    const statements = statementsOf(Template.fromStack(bad.stack), roleId(bad.stack, bad.recovery.recoveryRole));
    expect(deleteOrUnlockGrants(statements)).toEqual(['s3:Delete*', 'backup:UpdateRecoveryPointLifecycle']);
  });

  test('restore tasks: the runner\'s restore from the replica bucket in the DR Region, target credentials from Secrets Manager', () => {
    template.resourceCountIs('AWS::ECS::TaskDefinition', 2);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      TaskRoleArn: { 'Fn::GetAtt': [roleId(stack, recovery.restoreTaskRole), 'Arn'] },
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [Match.objectLike({
        Name: 'runner', Image: IMAGE, Command: ['restore'],
        Environment: Match.arrayWith([
          { Name: RUNNER_ENV.engine, Value: 'pg-dump' },
          { Name: RUNNER_ENV.database, Value: 'ledger' },
          { Name: RUNNER_ENV.s3Bucket, Value: { Ref: Match.stringLikeRegexp('^ReplicaBucket') } },
          { Name: RUNNER_ENV.region, Value: 'us-west-2' },
          { Name: DR_RESTORE_ENV.targetDb, Value: 'ledger_app' },
        ]),
        Secrets: [
          { Name: DR_RESTORE_ENV.targetUser, ValueFrom: { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ledgerRestoreTargetCredentials') }, ':username::']] } },
          { Name: DR_RESTORE_ENV.targetPassword, ValueFrom: { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ledgerRestoreTargetCredentials') }, ':password::']] } },
        ],
      })],
    });
    const containers = Object.values(template.findResources('AWS::ECS::TaskDefinition')).flatMap((t: any) => t.Properties.ContainerDefinitions);
    for (const c of containers) {
      // No password in the environment.
      expect(JSON.stringify(c.Environment)).not.toMatch(/PASSWORD/);
    }
    expect(recovery.restoreTaskOf('billing')?.engine).toBe(RunnerEngine.MYSQLDUMP);
    expect(recovery.restoreTaskOf('orders')).toBeUndefined();
  });

  test('the restore-target variables are the runner\'s own option names', () => {
    const envs = COMMON_OPTIONS.map(envName);
    for (const name of Object.values(DR_RESTORE_ENV)) expect(envs).toContain(name);
  });

  test('network: a cluster with Container Insights, a task group with no inbound, restored instances reachable from the tasks only, a DB subnet group', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: ['subnet-0b2c3d4e5f6071829', 'subnet-0e1d2c3b4a5968778'] });
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties);
    expect(ingress.map((i) => i.FromPort).sort()).toEqual([3306, 5432]);
    for (const i of ingress) {
      expect(i.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [stack.resolve((recovery.restoreTaskSecurityGroup!.node.defaultChild as ec2.CfnSecurityGroup).logicalId), 'GroupId'] });
      expect(i.GroupId).toEqual({ 'Fn::GetAtt': [stack.resolve((recovery.restoredInstanceSecurityGroup!.node.defaultChild as ec2.CfnSecurityGroup).logicalId), 'GroupId'] });
    }
    expect(recovery.subnetIds).toEqual(['subnet-0b2c3d4e5f6071829', 'subnet-0e1d2c3b4a5968778']);
    expect(recovery.unavailable).toEqual([]);
  });

  test('the restore testing plan selects the DR vault\'s copies; one selection per resource type with the DR network', () => {
    template.hasResourceProperties('AWS::Backup::RestoreTestingPlan', {
      ScheduleExpression: 'cron(0 6 ? * SUN,WED *)',
      RecoveryPointSelection: {
        Algorithm: 'LATEST_WITHIN_WINDOW', RecoveryPointTypes: ['SNAPSHOT'], SelectionWindowDays: 7,
        IncludeVaults: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^DrVault'), 'BackupVaultArn'] }],
      },
    });
    const serviceRole = { 'Fn::GetAtt': [roleId(stack, recovery.restoreServiceRole), 'Arn'] };
    template.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
      RestoreTestingSelectionName: 'dr_RDS_1', ProtectedResourceType: 'RDS', ProtectedResourceArns: [ORDERS], IamRoleArn: serviceRole,
      RestoreMetadataOverrides: {
        dbInstanceClass: 'db.t4g.medium', publiclyAccessible: 'false',
        dbSubnetGroupName: { Ref: Match.stringLikeRegexp('RestoreSubnetGroup') }, vpcSecurityGroupIds: Match.anyValue(),
      },
      ValidationWindowHours: 2,
    });
    template.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
      RestoreTestingSelectionName: 'dr_Aurora_1', ProtectedResourceType: 'Aurora', ProtectedResourceArns: [BILLING], IamRoleArn: serviceRole,
      RestoreMetadataOverrides: { dbSubnetGroupName: Match.anyValue(), vpcSecurityGroupIds: Match.anyValue(), dbInstanceClass: Match.absent() },
    });
    expect(stack.resolve(recovery.restoreTestingPlanName)).toMatch(/^[A-Za-z0-9_]{1,50}$/);
    expect(recovery.restoreTestingSelectionOf('orders')?.protectedResourceType).toBe('RDS');
    expect(recovery.restoreTestingSelectionOf('billing')?.protectedResourceType).toBe('Aurora');
    expect(recovery.restoreTestingSelectionOf('nope')).toBeUndefined();
  });

  test('alarms: a failed restore and no completed restore within 7 days, per resource type, each notifying the DR topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual([
      'plan-dr-DrVault-Aurora-restore-job-failed-critical', 'plan-dr-DrVault-Aurora-verification-missing-warning',
      'plan-dr-DrVault-RDS-restore-job-failed-critical', 'plan-dr-DrVault-RDS-verification-missing-warning',
    ]);
    const topicRef = { Ref: stack.resolve((topic.topic.node.defaultChild as any).logicalId) };
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([topicRef]);
      expect(a.OKActions).toEqual([topicRef]);
      expect(a.Dimensions).toEqual(expect.arrayContaining([{ Name: 'BackupVaultName', Value: { 'Fn::GetAtt': [expect.stringMatching(/^DrVault/), 'BackupVaultName'] } }]));
    }
    const missing = alarms.find((a) => a.AlarmName === 'plan-dr-DrVault-RDS-verification-missing-warning');
    expect(missing).toMatchObject({
      MetricName: 'NumberOfRestoreJobsCompleted', Namespace: 'AWS/Backup', Period: 3600, EvaluationPeriods: 168, DatapointsToAlarm: 168,
      ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching',
    });
    expect(alarmRoutingProblems({ dr: template })).toEqual([]);
  });

  test('what a runbook needs is output', () => {
    const outputs = Object.values(template.toJSON().Outputs as Record<string, { Description: string }>).map((o) => o.Description);
    expect(outputs).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Role of a DR recovery/), expect.stringMatching(/^IamRoleArn of StartRestoreJob/), expect.stringMatching(/^Instance profile of a DR database host/), expect.stringMatching(/^Restore testing plan/),
      expect.stringMatching(/^ECS cluster/), expect.stringMatching(/^Security group of the DR restore tasks/), expect.stringMatching(/^DR restore task of ledger \(pg-dump\)/),
      expect.stringMatching(/^DR restore task of billing \(mysqldump\)/), expect.stringMatching(/^Subnets/),
    ]));
  });

  test('no unacknowledged finding in the four packs on what it adds (the replica bucket alone is the storage tests\' subject)', () => {
    expect(nagFindings(stack).filter((f) => f.includes('— Dr/Recovery/'))).toEqual([]);
  });
});

describe('DR-region recovery without a DR network', () => {
  const { stack, recovery } = drStack(false);
  const template = Template.fromStack(stack);

  test('roles, restore tasks and the restore testing plan are still there; no cluster, security group or subnet group', () => {
    template.resourceCountIs('AWS::ECS::TaskDefinition', 2);
    template.resourceCountIs('AWS::Backup::RestoreTestingPlan', 1);
    template.resourceCountIs('AWS::Backup::RestoreTestingSelection', 2);
    template.resourceCountIs('AWS::ECS::Cluster', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.resourceCountIs('AWS::RDS::DBSubnetGroup', 0);
    expect(recovery.clusterName).toBeUndefined();
    template.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
      ProtectedResourceType: 'RDS', RestoreMetadataOverrides: { dbInstanceClass: 'db.t4g.medium', publiclyAccessible: 'false' },
    });
    template.hasResourceProperties('AWS::Backup::RestoreTestingSelection', { ProtectedResourceType: 'Aurora', RestoreMetadataOverrides: Match.absent() });
    // RunTask is not tied to a cluster that does not exist.
    const run = statementsOf(template, roleId(stack, recovery.recoveryRole)).find((s) => s.Sid === 'RunRestoreTasks');
    expect(run?.Condition).toBeUndefined();
  });

  test('what could not be set up is said, as a warning and in `unavailable`', () => {
    expect(recovery.unavailable).toEqual([expect.stringMatching(/^no VPC in the DR Region \(the plan has no dr_network\): no ECS cluster, security groups or DB subnet group.*default VPC/)]);
    Annotations.fromStack(stack).hasWarning('/Dr/Recovery', Match.stringLikeRegexp('no VPC in the DR Region'));
  });

  test('no unacknowledged finding in the four packs on what it adds (the replica bucket alone is the storage tests\' subject)', () => {
    expect(nagFindings(stack).filter((f) => f.includes('— Dr/Recovery/'))).toEqual([]);
  });
});

describe('restore tests of a fleet: databases named by ARN share a selection per resource type and scope', () => {
  const rdsArn = (i: number) => `arn:aws:rds:us-east-1:111122223333:db:shop${i}-prod`;
  /** `instances` RDS instances by ARN in the construct, then `inScope` in a scope of the stack (as the DR app's database stacks are). */
  function fleet(instances: number, inScope = 0, extra: (recovery: DrRegionRecovery, scope: Construct) => void = () => undefined) {
    const built = drStack(true, { restoreTests: [] });
    const scope = new Construct(built.stack, 'Databases2');
    for (let i = 0; i < instances; i++) built.recovery.addRestoreTest({ name: `shop${i}`, database: ProtectedDatabase.fromInstanceArn(rdsArn(i)) });
    for (let i = 0; i < inScope; i++) {
      built.recovery.addRestoreTest({ name: `scoped${i}`, database: ProtectedDatabase.fromInstanceArn(rdsArn(100 + i)), scope });
    }
    extra(built.recovery, scope);
    const selections = Object.entries(Template.fromStack(built.stack).findResources('AWS::Backup::RestoreTestingSelection'))
      .map(([id, r]: [string, any]) => ({ id, name: r.Properties.RestoreTestingSelectionName as string, arns: r.Properties.ProtectedResourceArns as string[], props: r.Properties }));
    return { ...built, scope, selections };
  }

  test('up to 30 ARNs a selection (AWS Backup\'s limit), then a second; another scope has its own, named after it', () => {
    const { recovery, selections } = fleet(31, 2);
    expect(selections.map((x) => `${x.name} ${x.arns.length}`).sort()).toEqual(['dr_Databases2_RDS_1 2', 'dr_RDS_1 30', 'dr_RDS_2 1']);
    expect(selections.find((x) => x.name === 'dr_RDS_1')!.arns).toEqual(Array.from({ length: 30 }, (_, i) => rdsArn(i)));
    expect(selections.find((x) => x.name === 'dr_RDS_2')!.arns).toEqual([rdsArn(30)]);
    expect(selections.find((x) => x.name === 'dr_Databases2_RDS_1')!.id).toMatch(/^Databases2RestoreTestsRDS1/);
    expect(recovery.restoreTestingSelections).toHaveLength(3);
    expect(recovery.restoreTestingSelectionOf('shop0')).toBe(recovery.restoreTestingSelectionOf('shop29'));
    expect(recovery.restoreTestingSelectionOf('shop30')).not.toBe(recovery.restoreTestingSelectionOf('shop29'));
    expect(recovery.restoreTestingSelectionOf('scoped1')!.node.scope!.node.id).toBe('Databases2');
    // Every selection has the restore network and the small instance class.
    for (const x of selections) expect(x.props.RestoreMetadataOverrides).toMatchObject({ dbInstanceClass: 'db.t4g.medium', publiclyAccessible: 'false' });
  });

  test('adding databases replaces no selection: the existing ones keep their logical ids and names', () => {
    const before = fleet(29, 1).selections;
    const after = fleet(30, 2).selections;
    expect(after.map((x) => [x.id, x.name])).toEqual(before.map((x) => [x.id, x.name]));
    const more = fleet(31, 2).selections;
    expect(more.filter((x) => !after.some((a) => a.id === x.id)).map((x) => x.name)).toEqual(['dr_RDS_2']);
    for (const a of after) expect(more.find((x) => x.id === a.id)).toEqual(a);
  });

  test('a database selected by tags keeps a selection of its own, by its tags', () => {
    const { recovery, selections } = fleet(2, 0, (r) => {
      r.addRestoreTest({ name: 'tagged', database: ProtectedDatabase.fromTags(DatabaseResourceKind.RDS_INSTANCE, [{ key: 'app', value: 'shop' }, { key: 'tier', value: 'gold' }]) });
    });
    expect(selections.map((x) => `${x.name} ${x.arns.join(',')}`)).toEqual([`dr_RDS_1 ${rdsArn(0)},${rdsArn(1)}`, 'dr_tagged *']);
    expect(selections[1].props.ProtectedResourceConditions).toEqual({
      StringEquals: [{ Key: 'aws:ResourceTag/app', Value: 'shop' }, { Key: 'aws:ResourceTag/tier', Value: 'gold' }],
    });
    expect(recovery.restoreTestingSelectionOf('tagged')).toBe(recovery.restoreTestingSelections[1]);
  });

  test('a second restore test of a name, and one without a name or database, are refused by field', () => {
    const { recovery } = fleet(1);
    let error: unknown;
    try {
      recovery.addRestoreTest({ name: 'shop0', database: ProtectedDatabase.fromInstanceArn(rdsArn(7)) });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigurationError).problems).toEqual(['restoreTests[1].name: "shop0" already has a DR restore test']);
    try {
      recovery.addRestoreTest({ name: ' ', database: undefined as unknown as ProtectedDatabase });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigurationError).problems).toEqual([
      'restoreTests[1].name must not be empty, got " "',
      'restoreTests[1].database is required (the RDS instance or Aurora cluster whose copies are in the DR vault)',
    ]);
  });
});

describe('bad props', () => {
  test('every problem at once, each naming its field and value', () => {
    let error: unknown;
    try {
      drStack(true, {
        startWindow: Duration.minutes(30), maxTimeWithoutSuccess: Duration.days(10), restoreTestingPlanName: 'dr-plan',
        schedule: events.Schedule.rate(Duration.days(7)), alarmNamePrefix: 'has space', namePrefix: 'a/b',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      'startWindow must be whole hours from 1 to 168, got 30 minutes',
      'maxTimeWithoutSuccess must be whole days from 1 to 7, got 10 days',
      "schedule must be a cron schedule (restore testing plans take cron expressions), got 'rate(7 days)'",
      "restoreTestingPlanName must be 1–50 letters, digits or '_', got 'dr-plan'",
      "alarmNamePrefix must be 1–100 letters, digits, '-' or '_', got 'has space'",
      "namePrefix must be 1–200 letters, digits, '-' or '_', got 'a/b'",
    ]);
  });

  test('a weekly schedule is refused: its alarm (at most 7 days) would fire between two passing tests; a daily one with a 2-day window is accepted', () => {
    expect(() => drStack(true, { schedule: events.Schedule.cron({ minute: '0', hour: '6', weekDay: 'SUN' }) }))
      .toThrow(/maxTimeWithoutSuccess: 7 days is shorter than the longest gap between two restore tests of schedule 'cron\(0 6 \? \* SUN \*\)' \(7 days\) plus their start window \(8 hours\) and 4 hours to restore/);
    expect(() => drStack(true, { schedule: events.Schedule.cron({ minute: '0', hour: '6' }), maxTimeWithoutSuccess: Duration.days(2) })).not.toThrow();
    expect(() => drStack(true, { schedule: events.Schedule.cron({ minute: '0', hour: '6' }), maxTimeWithoutSuccess: Duration.days(1) }))
      .toThrow(/maxTimeWithoutSuccess: 1 day is shorter than the longest gap .* \(1 day\)/);
  });

  test('a restore runner of a physical engine, a duplicate and a bad storage size are refused by field', () => {
    const { recovery } = drStack(true);
    expect(() => recovery.addRestoreRunner({ database: 'ledger', engine: RunnerEngine.PGBACKREST, ephemeralStorageGiB: 10 })).toThrow(ConfigurationError);
    try {
      recovery.addRestoreRunner({ database: 'ledger', engine: RunnerEngine.PGBACKREST, ephemeralStorageGiB: 10 });
    } catch (e) {
      expect((e as ConfigurationError).problems).toEqual([
        'restoreRunners[2].database: "ledger" already has a DR restore task',
        expect.stringMatching(/^restoreRunners\[2\]\.engine: "pgbackrest" of "ledger" does not restore from a task; give pg-dump, mysqldump or mongodump/),
        'restoreRunners[2].ephemeralStorageGiB of "ledger" must be a whole number from 21 to 200, got 10',
      ]);
    }
  });
});
