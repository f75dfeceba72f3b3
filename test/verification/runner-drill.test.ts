/**
 * The RunnerDrill construct on top of a BackupRunner: a scheduled Fargate task running
 * `runner drill`, a read-only identity, alarms, and the four nag packs.
 */
import { join } from 'node:path';
import { App, Duration, Stack, aws_ec2 as ec2, aws_ecs as ecs } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { BackupRunner } from '../../lib/runner/backup-runner';
import { BackupBucket } from '../../lib/storage/backup-bucket';
import { AlarmTopic, BackupMonitoring } from '../../lib/monitoring';
import { BaselineCapture, CheckExpectation, RestoreVerification, RunnerDrill, VerifiedEngine } from '../../lib/verification';
import { RunnerInfrastructure, RunnerRoles } from '../../lib/runner';
import { ProtectedDatabase } from '../../lib/protection/protected-database';
import * as backup from 'aws-cdk-lib/aws-backup';
import { nagFindings } from '../support/nag';

// Bundles from a private folder (see private-bundles.ts); handlerCode itself is tested below.
jest.mock('../../lib/verification/lambda-support', () => ({
  ...jest.requireActual('../../lib/verification/lambda-support'),
  handlerCode: (name: string) => require('./private-bundles').privateHandlerCode(name),
}));

// A fixed image context: assets/runner is rebuilt by concurrent test runs.
const image = ecs.ContainerImage.fromAsset(join(__dirname, '..', 'runner', 'construct', 'fixtures', 'image'));

function setup(extra: Partial<ConstructorParameters<typeof RunnerDrill>[2]> = {}, engine: 'pg-dump' | 'pgbackrest' = 'pg-dump') {
  const app = new App();
  const stack = new Stack(app, 'Db', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const bucket = new BackupBucket(stack, 'Backups');
  const password = new secretsmanager.Secret(stack, 'Password');
  const runner = engine === 'pg-dump'
    ? BackupRunner.pgDump(stack, 'Runner', { database: 'orders', backupBucket: bucket, vpc, host: 'db.internal', user: 'backup', databaseName: 'orders', passwordSecret: password, image })
    : BackupRunner.pgBackRest(stack, 'Runner', { database: 'orders', backupBucket: bucket, vpc, stanza: 'orders-main', image,
      databaseHost: { address: 'db1.internal', pgPath: '/var/lib/postgresql/15/main' },
      cipherPassphrase: new secretsmanager.Secret(stack, 'Cipher'), tlsIdentity: new secretsmanager.Secret(stack, 'Tls') });
  const verification = new RestoreVerification(stack, 'Verification', {
    vaults: [backup.BackupVault.fromBackupVaultName(stack, 'Vault', 'primary')], vpc,
    databases: [{ name: 'orders', engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders', database: ProtectedDatabase.fromInstanceArn('arn:aws:rds:eu-west-1:111122223333:db:orders'),
      masterSecret: password, readOnlySecret: password, checks: [{ name: 'has-orders', sql: 'select 1 from orders limit 1', expect: CheckExpectation.NOT_EMPTY }] }],
  });
  const drill = new RunnerDrill(stack, 'Drill', {
    runner, backupBucket: bucket, baselineBucket: verification.baselineBucket, baselineEncryptionKey: verification.encryptionKey,
    databaseName: 'orders', image, ...extra,
  });
  return { stack, drill, runner, verification, template: () => Template.fromStack(stack) };
}

describe('RunnerDrill', () => {
  it('runs `runner drill` on the runner cluster with the runner engine, database and backup location', () => {
    const { template, stack } = setup();
    const t = template();
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      EphemeralStorage: { SizeInGiB: 100 },
      ContainerDefinitions: [Match.objectLike({
        Name: 'drill',
        Command: ['drill', '--db-name', 'orders', '--baseline-uri', Match.anyValue(), '--row-count-absolute-tolerance', '0', '--row-count-growth-rate-per-day', '0.05'],
        Environment: Match.arrayWith([
          { Name: 'RUNNER_ENGINE', Value: 'pg-dump' }, { Name: 'RUNNER_DATABASE', Value: 'orders' }, { Name: 'RUNNER_DRILL_DIR', Value: '/tmp/runner-drill' },
        ]),
      })],
    });
    const td = Object.values(t.findResources('AWS::ECS::TaskDefinition')).find((r: any) => r.Properties.ContainerDefinitions[0].Name === 'drill') as any;
    expect(JSON.stringify(stack.resolve(td.Properties.ContainerDefinitions[0].Command[4]))).toContain('/baselines/orders/baseline.json');
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 5 ? * SUN *)',
      Target: Match.objectLike({ EcsParameters: Match.objectLike({ LaunchType: 'FARGATE', NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) } }) }),
    });
  });

  it('gives the drill read-only access to its backups and baseline', () => {
    const { template, stack, drill } = setup();
    const policy = template().toJSON().Resources[stack.getLogicalId(drill.policy!.node.defaultChild as any)];
    const actions = (stack.resolve(policy.Properties.PolicyDocument.Statement) as any[]).flatMap((s) => [].concat(s.Action)).sort();
    expect(actions).toEqual(['kms:Decrypt', 'kms:Decrypt', 's3:GetObject', 's3:GetObject', 's3:ListBucket']);
    expect(JSON.stringify(stack.resolve(policy.Properties.PolicyDocument))).toContain('runner/orders/*');
  });

  it('starts the task with its own scheduler role, not the stack-wide one CDK shares', () => {
    const { template, stack, drill } = setup();
    const tdId = stack.getLogicalId(drill.taskDefinition.node.defaultChild as any);
    const inline = JSON.stringify(template().findResources('AWS::IAM::Policy'));
    expect(inline).not.toContain(tdId);
    const managed = Object.values(template().findResources('AWS::IAM::ManagedPolicy')).filter((p) => JSON.stringify(p).includes(tdId));
    expect(managed).toHaveLength(1);
    expect(JSON.stringify(managed[0])).toMatch(/ecs:RunTask[\s\S]*iam:PassRole[\s\S]*sqs:SendMessage/);
  });

  it('given a policy pool: the drills of two databases share one policy through their tags, each reading only its own backups and baseline', () => {
    const app = new App();
    const stack = new Stack(app, 'Db', { env: { account: '111122223333', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const bucket = new BackupBucket(stack, 'Backups');
    const password = new secretsmanager.Secret(stack, 'Password');
    const infra = new RunnerInfrastructure(stack, 'Runners', { vpc, taskRolePath: '/db-runners/' });
    const names = ['orders', 'shop'];
    const baselines = new BaselineCapture(stack, 'Baselines', {
      vpc, databases: names.map((n) => ({ name: n, engine: VerifiedEngine.POSTGRESQL, databaseName: n, readOnlySecret: password, host: `${n}.internal` })),
    });
    const drills = names.map((n) => {
      const runner = BackupRunner.pgDump(stack, `${n}-Runner`, {
        database: n, backupBucket: bucket, vpc, host: `${n}.internal`, user: 'backup', databaseName: n, passwordSecret: password, image, cluster: infra.cluster,
      });
      return new RunnerDrill(stack, `${n}-Drill`, {
        runner, backupBucket: bucket, baselineBucket: baselines.baselineBucket, baselineEncryptionKey: baselines.baselineEncryptionKey,
        baselineObjectKey: baselines.baselineObjectKey(n), databaseName: n, image, taskRolePath: infra.taskRolePath, policyPool: infra.databasePolicies,
      });
    });
    const t = Template.fromStack(stack).toJSON();
    const variable = '${aws:PrincipalTag/CdkDatabaseDrDatabase}';
    const roleIds = drills.map((d) => stack.getLogicalId(d.taskRole.node.defaultChild as any));
    const attached = (id: string) => Object.entries<any>(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && (r.Properties.Roles ?? []).some((x: any) => x.Ref === id));
    expect(drills.map((d) => d.policy)).toEqual([undefined, undefined]);
    expect(drills.map((d) => d.policyDependable)).toEqual([infra.databasePolicies, infra.databasePolicies]);
    const [[sharedId, shared], ...others] = attached(roleIds[0]);
    expect(others).toEqual([]);
    expect(attached(roleIds[1]).map(([id]) => id)).toEqual([sharedId]);
    expect(shared.Properties.Roles).toEqual(roleIds.map((id) => ({ Ref: id })));
    names.forEach((n, i) => {
      expect(t.Resources[roleIds[i]].Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'CdkDatabaseDrDatabase', Value: n }]));
      // What IAM evaluates for this role: the variable replaced by its tag.
      const text = JSON.stringify(shared.Properties.PolicyDocument).split(variable).join(n);
      for (const key of [`/runner/${n}/*`, `/baselines/${n}/baseline.json`, `"runner/${n}/*"`]) expect(text).toContain(key);
      for (const other of names.filter((o) => o !== n)) expect(text).not.toContain(other);
    });
    expect(nagFindings(stack).filter((f) => /-Drill\/|DatabasePolicies/.test(f))).toEqual([]);
  });

  it('given the scheduler role of its database\'s runner: no role or policy of its own, its statements in that role\'s policy', () => {
    const app = new App();
    const stack = new Stack(app, 'Db', { env: { account: '111122223333', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const bucket = new BackupBucket(stack, 'Backups');
    const password = new secretsmanager.Secret(stack, 'Password');
    const roles = new RunnerRoles(stack, 'OrdersRoles', { database: 'orders' });
    const runner = BackupRunner.pgDump(stack, 'Runner', {
      database: 'orders', backupBucket: bucket, vpc, host: 'db.internal', user: 'backup', databaseName: 'orders', passwordSecret: password, image,
      backupRole: roles.backupRole, expireRole: roles.expireRole, schedulerRole: roles.schedulerRole,
    });
    const baselines = new BaselineCapture(stack, 'Baselines', { vpc, databases: [{ name: 'orders', engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders', readOnlySecret: password, host: 'db.internal' }] });
    const drill = new RunnerDrill(stack, 'Drill', {
      runner, backupBucket: bucket, baselineBucket: baselines.baselineBucket, baselineEncryptionKey: baselines.baselineEncryptionKey,
      databaseName: 'orders', image, schedulerRole: runner.schedulerRole,
    });
    const t = Template.fromStack(stack);
    expect(drill.node.tryFindChild('SchedulerRole')).toBeUndefined();
    expect(drill.node.tryFindChild('SchedulerPolicy')).toBeUndefined();
    const tdId = stack.getLogicalId(drill.taskDefinition.node.defaultChild as any);
    const schedulerRoleId = stack.getLogicalId(roles.schedulerRole.node.defaultChild as any);
    const withDrillTask = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p) => JSON.stringify(p).includes(tdId));
    expect(withDrillTask).toHaveLength(1);
    expect((withDrillTask[0] as any).Properties.Roles).toEqual([{ Ref: schedulerRoleId }]);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { Description: 'Restore drill of orders (pg-dump)', Target: Match.objectLike({ RoleArn: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] } }) });
  });

  it('creates no topic and no alarm of its own; beside a restore verification of the same database, one alarm per condition', () => {
    const { template, drill, verification, stack } = setup({ maxTimeWithoutSuccess: Duration.days(3) });
    template().resourceCountIs('AWS::SNS::Topic', 0);
    template().resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const monitoring = new BackupMonitoring(stack, 'Monitoring', {
      planName: 'p', alarmTopic: new AlarmTopic(stack, 'Alarms', { email: 'oncall@example.com' }),
      databases: [{ name: 'orders', rpo: Duration.days(2), rto: Duration.hours(4) }], verifications: [verification], drills: [drill],
    });
    const verificationAlarms = monitoring.describeAlarms().filter((d) => d.kind.startsWith('verification-'));
    // The drill's 3 days are shorter than the restore test's 7: the shorter window is alarmed, once.
    expect(verificationAlarms.map((d) => `${d.kind} ${d.databases.join(',')} ${d.periodSeconds}x${d.evaluationPeriods}`)).toEqual([
      'verification-failed orders 300x1', 'verification-missing orders 3600x72',
    ]);
  });

  it('passes the four compliance packs', () => {
    const { stack } = setup();
    expect(nagFindings(stack).filter((f) => f.includes('/Drill/'))).toEqual([]);
  });

  describe('of a pgBackRest runner', () => {
    it('gives the task the runner\'s repository settings and cipher passphrase secret, and no TLS identity', () => {
      const { template, stack, drill, runner } = setup({}, 'pgbackrest');
      const td = Object.values(template().findResources('AWS::ECS::TaskDefinition')).find((r: any) => r.Properties.ContainerDefinitions[0].Name === 'drill') as any;
      const container = stack.resolve(td.Properties.ContainerDefinitions[0]);
      const runnerTd = stack.resolve((runner.taskDefinitions[0].node.defaultChild as any)._toCloudFormation()).Resources;
      const runnerContainer = (Object.values(runnerTd)[0] as any).Properties.ContainerDefinitions[0];
      const env = (c: any, name: string) => c.Environment.find((e: any) => e.Name === name)?.Value;
      expect(env(container, 'RUNNER_ENGINE')).toBe('pgbackrest');
      expect(env(container, 'RUNNER_PGBACKREST_SETTINGS')).toEqual(env(runnerContainer, 'RUNNER_PGBACKREST_SETTINGS'));
      expect(JSON.stringify(env(container, 'RUNNER_PGBACKREST_SETTINGS'))).toContain('orders-main');
      expect(container.Secrets.map((x: any) => x.Name)).toEqual(['RUNNER_PGBACKREST_CIPHER_PASS']);
      expect(container.Secrets[0].ValueFrom).toEqual(runnerContainer.Secrets.find((x: any) => x.Name === 'RUNNER_PGBACKREST_CIPHER_PASS').ValueFrom);
      expect(JSON.stringify(container)).not.toMatch(/TLS/);
      // The drill reuses the runner's execution role, which already reads the passphrase.
      expect(stack.resolve(td.Properties.ExecutionRoleArn)).toEqual(stack.resolve((runner.executionRole as any).roleArn));
      expect(drill.taskRole).toBeDefined();
    });

    it('reads the stanza\'s repository folders, read only: no write, no delete, nothing of another database', () => {
      const { template, stack, drill } = setup({}, 'pgbackrest');
      const policy = template().toJSON().Resources[stack.getLogicalId(drill.policy!.node.defaultChild as any)];
      const statements = stack.resolve(policy.Properties.PolicyDocument.Statement) as any[];
      const actions = statements.flatMap((st) => [].concat(st.Action)).sort();
      expect(actions).toEqual(['kms:Decrypt', 'kms:Decrypt', 's3:GetObject', 's3:GetObject', 's3:ListBucket']);
      const text = JSON.stringify(statements);
      for (const p of ['runner/orders/*', 'pgbackrest/backup/orders-main/*', 'pgbackrest/archive/orders-main/*']) expect(text).toContain(p);
      const list = statements.find((st) => st.Sid === 'ListBackups');
      expect(list.Condition.StringLike['s3:prefix']).toEqual(['runner/orders/*', 'runner/orders/', 'pgbackrest/backup/orders-main/*', 'pgbackrest/backup/orders-main/',
        'pgbackrest/archive/orders-main/*', 'pgbackrest/archive/orders-main/']);
      // The task role holds nothing else.
      const inline = Object.values(template().findResources('AWS::IAM::Policy')).filter((x: any) => JSON.stringify(x.Properties.Roles).includes(stack.getLogicalId(drill.taskRole.node.defaultChild as any)));
      expect(inline).toEqual([]);
    });

    it('passes the four compliance packs', () => {
      const { stack } = setup({}, 'pgbackrest');
      expect(nagFindings(stack).filter((f) => f.includes('/Drill/'))).toEqual([]);
    });
  });

  it('refuses a runner whose engine has no drill', () => {
    const app = new App();
    const stack = new Stack(app, 'Pg', { env: { account: '111122223333', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const bucket = new BackupBucket(stack, 'Backups');
    const runner = BackupRunner.mongoDump(stack, 'Runner', { database: 'docs', backupBucket: bucket, vpc, host: 'mongo.internal', user: 'backup',
      passwordSecret: new secretsmanager.Secret(stack, 'Password'), image });
    expect(() => new RunnerDrill(stack, 'Drill', { runner, backupBucket: bucket, baselineBucket: bucket.bucket, baselineEncryptionKey: bucket.encryptionKey, databaseName: 'docs', image }))
      .toThrow(/runner: engine mongodump has no restore drill \(supported: pg-dump, mysqldump, pgbackrest, mariabackup\)/);
  });

  it('rejects bad props, every problem at once', () => {
    expect(() => setup({ maxTimeWithoutSuccess: Duration.days(9), ephemeralStorageGiB: 10, rowCountGrowthRatePerDay: -1 }))
      .toThrow(/3 problems[\s\S]*maxTimeWithoutSuccess must be whole days from 1 to 7, got 9 days[\s\S]*ephemeralStorageGiB must be 21-200, got 10[\s\S]*rowCountGrowthRatePerDay must be ≥ 0, got -1/);
  });
});
