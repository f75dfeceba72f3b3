import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { App, Duration, SecretValue, Stack, aws_ec2 as ec2, aws_ecs as ecs, aws_iam as iam, aws_kms as kms, aws_rds as rds, aws_scheduler as scheduler, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigurationError } from '../../../lib/errors';
import { RUNNER_METRICS } from '../../../runtime/metrics/names';
import { BackupRunner, RunnerCommand, RunnerEngine } from '../../../lib/runner/backup-runner';
import { HOST_SIDE_ENGINES, RunnerInfrastructure, RunnerRoles } from '../../../lib/runner';
import { PGBACKREST_RUNNER_ENV, renderArchiveCommand } from '../../../runtime/pgbackrest/config';
import { RUNNER_ENV } from '../../../runtime/contracts/runner-env';
import { BackupBucket, IBackupBucket } from '../../../lib/storage/backup-bucket';
import { COMMON_OPTIONS } from '../../../runner/src/core/common-options';
import { envName } from '../../../runner/src/core/options';
import { PGBACKREST_OPTIONS } from '../../../runner/src/engines/pgbackrest';
import { nagFindings } from '../../support/nag';

interface Fixture { app: App; stack: Stack; vpc: ec2.Vpc; bucket: IBackupBucket; }

/** A fixed image context: assets/runner is rebuilt by concurrent test runs (one test below covers the default). */
const image = ecs.ContainerImage.fromAsset(join(__dirname, 'fixtures', 'image'));

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A stack with a VPC and a backup bucket: created here, or imported by name with its key. */
function fixture(bucket: 'created' | 'imported' = 'created'): Fixture {
  const app = new App();
  const stack = new Stack(app, 'Db', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const backups = bucket === 'created' ? new BackupBucket(stack, 'Backups')
    : BackupBucket.fromBucketAttributes(stack, 'Backups', { bucketName: 'orders-backups', encryptionKey: kms.Key.fromKeyArn(stack, 'BackupsKey', KEY_ARN) });
  return { app, stack, vpc, bucket: backups };
}

function pgBackRestRunner(f: Fixture, extra: Partial<Parameters<typeof BackupRunner.pgBackRest>[2]> = {}): BackupRunner {
  return BackupRunner.pgBackRest(f.stack, 'Pg', {
    database: 'orders',
    backupBucket: f.bucket,
    vpc: f.vpc,
    stanza: 'orders',
    databaseHost: { address: 'db1.internal', pgPath: '/var/lib/postgresql/15/main' },
    cipherPassphrase: new secretsmanager.Secret(f.stack, 'Cipher'),
    tlsIdentity: new secretsmanager.Secret(f.stack, 'Tls'),
    image,
    ...extra,
  });
}

/** Every action of every policy attached to a role (by the role's logical id prefix). */
function actionsOf(template: Template, roleLogicalIdPrefix: string): string[] {
  const policies = { ...template.findResources('AWS::IAM::Policy'), ...template.findResources('AWS::IAM::ManagedPolicy') };
  const actions: string[] = [];
  for (const p of Object.values(policies) as any[]) {
    const roles: any[] = p.Properties.Roles ?? [];
    if (!roles.some((r) => typeof r.Ref === 'string' && r.Ref.startsWith(roleLogicalIdPrefix))) continue;
    for (const st of p.Properties.PolicyDocument.Statement) actions.push(...[].concat(st.Action));
  }
  return [...new Set(actions)].sort();
}

function logicalIdOf(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as any);
}

describe('BackupRunner (pgBackRest preset)', () => {
  const f = fixture();
  const runner = pgBackRestRunner(f);
  const t = Template.fromStack(f.stack);

  test('Fargate task definitions on ARM64 with the image asset, encrypted logs with retention', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [Match.objectLike({
        Name: 'runner',
        Command: ['backup', '--type', 'full'],
        Image: { 'Fn::Sub': Match.stringLikeRegexp('cdk-hnb659fds-container-assets') },
        LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
      })],
    });
    expect(runner.taskDefinitions.map((td) => (td.defaultContainer!.node.defaultChild as any))).toHaveLength(4);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
  });

  test('secrets come from Secrets Manager; the environment holds no secret', () => {
    const defs = t.findResources('AWS::ECS::TaskDefinition');
    for (const d of Object.values(defs) as any[]) {
      const c = d.Properties.ContainerDefinitions[0];
      const secretNames = c.Secrets.map((s: any) => s.Name).sort();
      expect(secretNames).toEqual([PGBACKREST_RUNNER_ENV.cipherPass, PGBACKREST_RUNNER_ENV.tlsCa, PGBACKREST_RUNNER_ENV.tlsClientCert, PGBACKREST_RUNNER_ENV.tlsClientKey].sort());
      for (const s of c.Secrets) expect(JSON.stringify(s.ValueFrom)).toMatch(/Ref|arn/);
      const envNames = c.Environment.map((e: any) => e.Name);
      expect(envNames).toEqual(expect.arrayContaining([RUNNER_ENV.engine, RUNNER_ENV.database, RUNNER_ENV.s3Bucket, PGBACKREST_RUNNER_ENV.settings]));
      expect(envNames.filter((n: string) => /PASS|KEY|SECRET|TOKEN/.test(n) && n !== PGBACKREST_RUNNER_ENV.settings)).toEqual([]);
    }
  });

  test('backup role: write and read, no delete or retention action', () => {
    const actions = actionsOf(t, logicalIdOf(f.stack, runner.backupRole as any));
    expect(actions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:AbortMultipartUpload']));
    for (const a of actions) expect(a).not.toMatch(/Delete|PutObjectRetention|PutObjectLegalHold|Bypass|Lifecycle|BucketPolicy|\*/);
    expect(actions.filter((a) => a.startsWith('s3:') && !/^s3:(Get|List)/.test(a))).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
  });

  test('expire role: S3 writes are only DeleteObject (delete markers) and pgBackRest\'s backup.info rewrite', () => {
    const actions = actionsOf(t, logicalIdOf(f.stack, runner.expireRole as any));
    const s3Writes = actions.filter((a) => a.startsWith('s3:') && !/^s3:(Get|List)/.test(a));
    expect(s3Writes).toEqual(['s3:DeleteObject', 's3:PutObject']);
    expect(actions).not.toContain('s3:DeleteObjectVersion');
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as any[];
    const put = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((s: any) => s.Sid === 'PgBackRestExpireRewritesBackupInfo');
    expect(JSON.stringify(put.Resource)).toMatch(/pgbackrest\/backup\/orders\/backup\.info"/);
    expect(JSON.stringify(put.Resource)).toMatch(/pgbackrest\/backup\/orders\/backup\.info\.copy"/);
  });

  test('scheduler role: run these task definitions and pass their roles, send to the DLQ; nothing else', () => {
    const actions = actionsOf(t, logicalIdOf(f.stack, runner.schedulerRole as any));
    expect(actions.filter((a) => !a.startsWith('kms:'))).toEqual(['ecs:RunTask', 'iam:PassRole', 'sqs:SendMessage']);
    const docs = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p: any) =>
      (p.Properties.Roles ?? []).some((r: any) => r.Ref === logicalIdOf(f.stack, runner.schedulerRole as any))) as any[];
    const runTask = docs.flatMap((d) => d.Properties.PolicyDocument.Statement).filter((st: any) => [].concat(st.Action).includes('ecs:RunTask' as never));
    const resources = JSON.stringify(runTask.map((st: any) => st.Resource));
    for (const td of runner.taskDefinitions) expect(resources).toContain(logicalIdOf(f.stack, td as any));
    expect(resources).not.toContain('"*"');
  });

  test('ECS cluster with Container Insights', () => {
    t.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  test('schedules: full weekly, diff daily, verify weekly, expire daily, each with retries and the encrypted SSL-only DLQ', () => {
    const schedules = Object.values(t.findResources('AWS::Scheduler::Schedule')) as any[];
    expect(schedules.map((s) => s.Properties.ScheduleExpression).sort()).toEqual([
      'cron(0 1 ? * MON-SAT *)', 'cron(0 1 ? * SUN *)', 'cron(0 4 ? * SUN *)', 'cron(0 6 * * ? *)',
    ]);
    const dlq = logicalIdOf(f.stack, runner.deadLetterQueue as any);
    for (const s of schedules) {
      expect(s.Properties.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
      expect(s.Properties.Target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [dlq, 'Arn'] });
      expect(s.Properties.Target.EcsParameters).toMatchObject({ LaunchType: 'FARGATE', NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } } });
    }
    t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    // The expire schedule starts the expire task, which runs as the expire role.
    const expireTd = runner.taskDefinitions[3];
    expect(expireTd.taskRole).toBe(runner.expireRole);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: [Match.objectLike({ Command: ['expire'] })] });
  });

  test('database host side: rendered pgbackrest.conf and archive_command in SSM, the same settings the runner gets', () => {
    const params = Object.values(t.findResources('AWS::SSM::Parameter')) as any[];
    const conf = params.find((p) => p.Properties.Name === '/cdk-database-dr/orders/pgbackrest/pgbackrest.conf');
    const text = JSON.stringify(conf.Properties.Value);
    expect(text).toContain('tls-server-auth=pgbackrest-runner=orders');
    expect(text).toContain('repo1-s3-key-type=auto');
    expect(text).toContain('repo1-cipher-type=aes-256-cbc');
    expect(text).not.toMatch(/cipher-pass=|s3-key=|s3-key-secret/);
    const cmd = params.find((p) => p.Properties.Name === '/cdk-database-dr/orders/pgbackrest/archive_command');
    expect(cmd.Properties.Value).toBe('pgbackrest --config-path=/etc/pgbackrest --stanza=orders archive-push %p');
    const td = Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as any;
    const settingsEnv = td.Properties.ContainerDefinitions[0].Environment.find((e: any) => e.Name === PGBACKREST_RUNNER_ENV.settings);
    const rendered = JSON.stringify(settingsEnv.Value);
    expect(rendered).toContain('\\"stanza\\":\\"orders\\"');
    expect(rendered).toContain('db1.internal');
    expect(renderArchiveCommand({ stanza: 'orders', repository: { bucket: 'b', region: 'r' }, databaseHost: { address: 'db1.internal', pgPath: '/x' } })).toBe(cmd.Properties.Value);
  });

  test('database host policy: put and get WAL of this stanza only, list limited to its folder, no delete', () => {
    const policy = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).find((p: any) => /archive-push/.test(p.Properties.Description)) as any;
    const st = policy.Properties.PolicyDocument.Statement;
    expect(st.map((s: any) => s.Sid).sort()).toEqual(['ArchiveGetReadsWal', 'ArchiveListsWalFolder', 'ArchivePushWritesWal', 'BucketKeyForWal', 'ReadRepositoryPassphrase']);
    const actions = st.flatMap((s: any) => [].concat(s.Action)).sort();
    expect(actions).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'secretsmanager:GetSecretValue']);
    expect(st.find((s: any) => s.Sid === 'ReadRepositoryPassphrase').Resource.Ref).toMatch(/^Cipher/);
    expect(JSON.stringify(st.find((s: any) => s.Sid === 'ArchivePushWritesWal').Resource)).toMatch(/\/pgbackrest\/archive\/orders\/\*"/);
    expect(st.find((s: any) => s.Sid === 'ArchiveListsWalFolder').Condition).toEqual({ StringLike: { 's3:prefix': ['pgbackrest/archive/orders/*', 'pgbackrest/archive/orders/'] } });
  });

  test('metric methods use the runner metric names and dimensions', () => {
    const m = runner.metricJobFailure();
    expect(m.namespace).toBe(RUNNER_METRICS.namespace);
    expect(m.metricName).toBe(RUNNER_METRICS.failure);
    expect(m.dimensions).toEqual({ Database: 'orders', Engine: 'pgbackrest', Job: 'backup' });
    expect(runner.metricLastSuccessEpochSeconds().metricName).toBe(RUNNER_METRICS.lastSuccessEpochSeconds);
    expect(runner.metricJobSuccess(RunnerCommand.VERIFY).dimensions).toMatchObject({ Job: 'verify' });
    expect(runner.metricJobDuration().period.toSeconds()).toBe(300);
  });

  test('says where its backups and WAL land, what it schedules and how often it backs up', () => {
    expect(runner.backupPrefix).toBe('runner/orders/pgbackrest');
    expect(runner.walArchivePrefix).toBe('pgbackrest/archive/orders');
    expect(runner.scheduledCommands).toEqual([RunnerCommand.BACKUP, RunnerCommand.VERIFY, RunnerCommand.EXPIRE]);
    // Weekly full on Sunday + diff Monday to Saturday, all at 01:00: one backup a day.
    expect(runner.backupInterval?.toMinutes()).toBe(1440);
  });
});

describe('BackupRunner interval and prefix', () => {
  test('the backup interval is the longest gap of all backup schedules together; unknown for a rate', () => {
    const f = fixture();
    const passwordSecret = new secretsmanager.Secret(f.stack, 'Pw');
    const conn = { database: 'shop', backupBucket: f.bucket, vpc: f.vpc, image, host: 'db', user: 'backup', passwordSecret };
    const weekdays = BackupRunner.mysqlDump(f.stack, 'Weekdays', { ...conn, s3Prefix: 'dumps', schedules: [
      { schedule: scheduler.ScheduleExpression.expression('cron(0 2 ? * MON-FRI *)') },
      { schedule: scheduler.ScheduleExpression.expression('cron(0 6 * * ? *)'), command: RunnerCommand.EXPIRE },
    ] });
    // Friday 02:00 to Monday 02:00.
    expect(weekdays.backupInterval?.toHours()).toBe(72);
    expect(weekdays.backupPrefix).toBe('dumps/shop/mysqldump');
    expect(weekdays.walArchivePrefix).toBeUndefined();
    const rate = BackupRunner.mysqlDump(f.stack, 'Rate', { ...conn, database: 'shop2', schedules: [
      { schedule: scheduler.ScheduleExpression.rate(Duration.hours(6)) },
    ] });
    expect(rate.backupInterval).toBeUndefined();
  });
});

describe('BackupRunner (logical presets)', () => {
  test('pg_dump: daily full + daily expire, password from the secret\'s field, DB connection in env', () => {
    const f = fixture();
    const pw = new secretsmanager.Secret(f.stack, 'DbPassword');
    const r = BackupRunner.pgDump(f.stack, 'Dump', { database: 'orders', backupBucket: f.bucket, vpc: f.vpc, host: 'orders.cluster.local', user: 'backup', passwordSecret: pw, image });
    const t = Template.fromStack(f.stack);
    const schedules = Object.values(t.findResources('AWS::Scheduler::Schedule')) as any[];
    expect(schedules.map((s) => s.Properties.ScheduleExpression).sort()).toEqual(['cron(0 2 * * ? *)', 'cron(0 6 * * ? *)']);
    const c = (Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as any).Properties.ContainerDefinitions[0];
    expect(c.Secrets).toEqual([{ Name: 'RUNNER_DB_PASSWORD', ValueFrom: { 'Fn::Join': ['', [{ Ref: logicalIdOf(f.stack, pw as any) }, ':password::']] } }]);
    expect(c.Environment).toEqual(expect.arrayContaining([{ Name: 'RUNNER_DB_HOST', Value: 'orders.cluster.local' }, { Name: 'RUNNER_RETAIN_COUNT', Value: '7' }]));
    // Logical engines get no pgBackRest extras: expire is delete markers + read only.
    const actions = actionsOf(t, logicalIdOf(f.stack, r.expireRole as any));
    expect(actions.filter((a) => a.startsWith('s3:') && !/^s3:(Get|List)/.test(a))).toEqual(['s3:DeleteObject']);
    expect(r.databaseHostPolicy).toBeUndefined();
  });

  test('presets choose the engine and its default jobs', () => {
    const f = fixture();
    const pw = new secretsmanager.Secret(f.stack, 'DbPassword');
    const common = { backupBucket: f.bucket, vpc: f.vpc, host: 'h', user: 'u', passwordSecret: pw, image };
    expect(BackupRunner.mysqlDump(f.stack, 'A', { ...common, database: 'a' }).engine).toBe(RunnerEngine.MYSQLDUMP);
    expect(BackupRunner.mongoDump(f.stack, 'B', { ...common, database: 'b' }).engine).toBe(RunnerEngine.MONGODUMP);
    // Physical MariaDB/MySQL engines keep their default jobs, for a runner on the database host.
    expect(BackupRunner.defaultSchedules(RunnerEngine.MARIABACKUP).map((s) => `${s.command ?? 'backup'}:${s.backupType ?? ''}:${s.schedule.expressionString}`)).toEqual([
      'backup:full:cron(0 1 ? * SUN *)', 'backup:incr:cron(0 1 ? * MON-SAT *)', 'expire::cron(0 6 * * ? *)']);
  });

  test.each([RunnerEngine.MARIABACKUP, RunnerEngine.XTRABACKUP])('%s runs on the database host: the Fargate construct refuses it and says how to run it', (engine) => {
    const f = fixture();
    let err: unknown;
    try {
      new BackupRunner(f.stack, 'Physical', { engine, database: 'shop', backupBucket: f.bucket, vpc: f.vpc, image, cpu: 3 });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigurationError);
    const problems = (err as ConfigurationError).problems;
    // Reported with the other problems, not instead of them.
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^engine: ${engine} cannot run in a Fargate task: .*InnoDB.*on the database host.*runner/src/engines/mariabackup/README.md.*fromBackupRunnerAttributes`)),
      expect.stringMatching(/^cpu must be one of/),
    ]);
    expect(HOST_SIDE_ENGINES).toEqual([RunnerEngine.MARIABACKUP, RunnerEngine.XTRABACKUP]);
    expect((BackupRunner as any).mariaBackup).toBeUndefined();
  });

  test('cron from props, x86_64, a custom cluster', () => {
    const f = fixture();
    const cluster = new ecs.Cluster(f.stack, 'Existing', { vpc: f.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    new BackupRunner(f.stack, 'R', {
      engine: RunnerEngine.PG_DUMP, database: 'x', backupBucket: f.bucket, vpc: f.vpc, cluster, image, cpuArchitecture: ecs.CpuArchitecture.X86_64,
      schedules: [{ schedule: scheduler.ScheduleExpression.expression('cron(15 3 * * ? *)') }, { command: RunnerCommand.CHECK, schedule: scheduler.ScheduleExpression.rate(Duration.hours(6)) }],
      retryAttempts: 5, maximumEventAge: Duration.hours(2),
    });
    const t = Template.fromStack(f.stack);
    t.resourceCountIs('AWS::ECS::Cluster', 1);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(15 3 * * ? *)', Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 7200 } }) });
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(6 hours)' });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'X86_64' }, ContainerDefinitions: [Match.objectLike({ Command: ['check'] })] });
  });
});

describe('BackupRunner with an imported backup bucket', () => {
  /** The IAM actions of each role of a pgBackRest and a pg_dump runner on a created or an imported bucket. */
  function roleActions(kind: 'created' | 'imported'): Record<string, string[]> {
    const f = fixture(kind);
    const pg = pgBackRestRunner(f);
    const pw = new secretsmanager.Secret(f.stack, 'DbPassword');
    const dump = BackupRunner.pgDump(f.stack, 'Dump', { database: 'orders-logical', backupBucket: f.bucket, vpc: f.vpc, host: 'h', user: 'u', passwordSecret: pw, image });
    const t = Template.fromStack(f.stack);
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as any[];
    const host = policies.find((p) => /archive-push/.test(p.Properties.Description));
    return {
      pgBackup: actionsOf(t, logicalIdOf(f.stack, pg.backupRole as any)),
      pgExpire: actionsOf(t, logicalIdOf(f.stack, pg.expireRole as any)),
      dumpBackup: actionsOf(t, logicalIdOf(f.stack, dump.backupRole as any)),
      dumpExpire: actionsOf(t, logicalIdOf(f.stack, dump.expireRole as any)),
      databaseHost: host.Properties.PolicyDocument.Statement.flatMap((st: any) => [].concat(st.Action)).sort(),
    };
  }

  test('the runner\'s roles get exactly the IAM actions they get with a created bucket', () => {
    const created = roleActions('created');
    expect(created.dumpExpire.filter((a) => a.startsWith('s3:') && !/^s3:(Get|List)/.test(a))).toEqual(['s3:DeleteObject']);
    expect(roleActions('imported')).toEqual(created);
  });

  test('the bucket name reaches the runner and the pgBackRest repository; no unacknowledged finding', () => {
    const f = fixture('imported');
    pgBackRestRunner(f);
    const t = Template.fromStack(f.stack);
    const td = Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as any;
    const env = td.Properties.ContainerDefinitions[0].Environment;
    expect(env).toContainEqual({ Name: RUNNER_ENV.s3Bucket, Value: 'orders-backups' });
    expect(JSON.stringify(env.find((e: any) => e.Name === PGBACKREST_RUNNER_ENV.settings).Value)).toContain('orders-backups');
    const findings = nagFindings(f.stack).filter((x) => !/— Db\/(Vpc|Cipher|Tls)\//.test(x));
    expect(findings).toEqual([]);
  });
});

describe('BackupRunner.fromBackupRunnerAttributes', () => {
  test('a runner on a database host (mariabackup) to monitor: metrics, prefix, default jobs and interval, connections', () => {
    const f = fixture('imported');
    const hostGroup = new ec2.SecurityGroup(f.stack, 'DbHost', { vpc: f.vpc });
    const r = BackupRunner.fromBackupRunnerAttributes(f.stack, 'Shop', {
      engine: RunnerEngine.MARIABACKUP, database: 'shop', backupBucket: f.bucket, s3Prefix: 'host', securityGroups: [hostGroup],
    });
    expect(r.metricJobFailure().dimensions).toEqual({ Database: 'shop', Engine: 'mariabackup', Job: 'backup' });
    expect(r.metricJobSuccess(RunnerCommand.EXPIRE).metricName).toBe(RUNNER_METRICS.success);
    expect(r.backupPrefix).toBe('host/shop/mariabackup');
    expect(r.walArchivePrefix).toBeUndefined();
    expect(r.scheduledCommands).toEqual([RunnerCommand.BACKUP, RunnerCommand.EXPIRE]);
    expect(r.backupInterval?.toMinutes()).toBe(1440);
    expect(r.backupBucket).toBe(f.bucket);
    expect(r.connections.securityGroups).toEqual([hostGroup]);
    // Nothing is created by the import.
    Template.fromStack(f.stack).resourceCountIs('AWS::ECS::TaskDefinition', 0);
  });

  test('schedules given: their commands and interval; a pgBackRest runner\'s WAL archive prefix', () => {
    const f = fixture();
    const r = BackupRunner.fromBackupRunnerAttributes(f.stack, 'Orders', {
      engine: RunnerEngine.PGBACKREST, database: 'orders', backupBucket: f.bucket, walArchivePrefix: 'pgbackrest/archive/orders',
      schedules: [
        { schedule: scheduler.ScheduleExpression.expression('cron(0 3 ? * MON-FRI *)'), backupType: 'incr' },
        { schedule: scheduler.ScheduleExpression.expression('cron(0 5 * * ? *)'), command: RunnerCommand.CHECK },
      ],
    });
    expect(r.backupPrefix).toBe('runner/orders/pgbackrest');
    expect(r.walArchivePrefix).toBe('pgbackrest/archive/orders');
    expect(r.scheduledCommands).toEqual([RunnerCommand.BACKUP, RunnerCommand.CHECK]);
    expect(r.backupInterval?.toHours()).toBe(72);
    expect(r.connections.securityGroups).toEqual([]);
  });

  test('every problem at once', () => {
    const f = fixture();
    let err: unknown;
    try {
      BackupRunner.fromBackupRunnerAttributes(f.stack, 'Bad', {
        engine: RunnerEngine.PG_DUMP, database: 'bad name', backupBucket: f.bucket, walArchivePrefix: 'x',
        schedules: [{ schedule: scheduler.ScheduleExpression.rate(Duration.days(1)), backupType: 'incr' }],
      });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).subject).toBe('BackupRunner Db/Bad');
    expect((err as ConfigurationError).problems).toEqual([
      expect.stringMatching(/^database .*"bad name"/),
      'schedules[0].backupType must be one of full for pg-dump, got "incr"',
      'walArchivePrefix: only a pgbackrest runner archives WAL, got engine pg-dump',
    ]);
  });
});

describe('BackupRunner logical presets of an RDS instance or cluster', () => {
  const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16_9 });
  const mysql = rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0_46 });

  function container(t: Template, runner: BackupRunner): any {
    const td = t.findResources('AWS::ECS::TaskDefinition')[logicalIdOf(runner.node.scope as Stack, runner.taskDefinitions[0] as any)] as any;
    return td.Properties.ContainerDefinitions[0];
  }

  test('pgDump of a DatabaseInstance: its endpoint, its generated secret (password and user), and the runner admitted on its port', () => {
    const f = fixture();
    const db = new rds.DatabaseInstance(f.stack, 'Rds', { engine: postgres, vpc: f.vpc });
    const r = BackupRunner.pgDump(f.stack, 'Dump', { database: 'orders', backupBucket: f.bucket, vpc: f.vpc, databaseInstance: db, image });
    const t = Template.fromStack(f.stack);
    const dbId = logicalIdOf(f.stack, db);
    const c = container(t, r);
    expect(c.Environment).toEqual(expect.arrayContaining([
      { Name: RUNNER_ENV.dbHost, Value: { 'Fn::GetAtt': [dbId, 'Endpoint.Address'] } },
      { Name: RUNNER_ENV.dbPort, Value: { 'Fn::GetAtt': [dbId, 'Endpoint.Port'] } },
    ]));
    expect(c.Environment.map((e: any) => e.Name)).not.toContain(RUNNER_ENV.dbUser);
    const secretRef = { Ref: logicalIdOf(f.stack, db.secret as any) };
    expect(c.Secrets).toEqual([
      { Name: RUNNER_ENV.dbPassword, ValueFrom: { 'Fn::Join': ['', [secretRef, ':password::']] } },
      { Name: RUNNER_ENV.dbUser, ValueFrom: { 'Fn::Join': ['', [secretRef, ':username::']] } },
    ]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: { 'Fn::GetAtt': [dbId, 'Endpoint.Port'] },
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RdsSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DumpSecurityGroup'), 'GroupId'] },
    });
  });

  test('mysqlDump of an Aurora MySQL DatabaseCluster: the writer endpoint, and the runner admitted on its port', () => {
    const f = fixture();
    const cluster = new rds.DatabaseCluster(f.stack, 'Aurora', {
      engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_09_0 }),
      writer: rds.ClusterInstance.provisioned('Writer'), vpc: f.vpc,
    });
    const backupUser = new secretsmanager.Secret(f.stack, 'BackupUser');
    const r = BackupRunner.mysqlDump(f.stack, 'Dump', { database: 'shop', backupBucket: f.bucket, vpc: f.vpc, databaseCluster: cluster, user: 'backup', passwordSecret: backupUser, image });
    const t = Template.fromStack(f.stack);
    const id = logicalIdOf(f.stack, cluster);
    const c = container(t, r);
    expect(c.Environment).toEqual(expect.arrayContaining([
      { Name: RUNNER_ENV.dbHost, Value: { 'Fn::GetAtt': [id, 'Endpoint.Address'] } },
      { Name: RUNNER_ENV.dbPort, Value: { 'Fn::GetAtt': [id, 'Endpoint.Port'] } },
      { Name: RUNNER_ENV.dbUser, Value: 'backup' },
    ]));
    // A given secret wins over the cluster's generated one; the user is then given too.
    expect(c.Secrets).toEqual([{ Name: RUNNER_ENV.dbPassword, ValueFrom: { 'Fn::Join': ['', [{ Ref: logicalIdOf(f.stack, backupUser as any) }, ':password::']] } }]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuroraSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DumpSecurityGroup'), 'GroupId'] },
    });
  });

  test('an imported instance: its address and port, the given secret; the runner admitted through its security group', () => {
    const f = fixture();
    const sg = ec2.SecurityGroup.fromSecurityGroupId(f.stack, 'DbSg', 'sg-0123456789abcdef0');
    const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(f.stack, 'Imported', {
      instanceIdentifier: 'orders', instanceEndpointAddress: 'orders.abc.eu-west-1.rds.amazonaws.com', port: 5433, securityGroups: [sg],
    });
    const pw = new secretsmanager.Secret(f.stack, 'DbPassword');
    const r = BackupRunner.pgDump(f.stack, 'Dump', { database: 'orders', backupBucket: f.bucket, vpc: f.vpc, databaseInstance: db, user: 'backup', passwordSecret: pw, image });
    const t = Template.fromStack(f.stack);
    expect(container(t, r).Environment).toEqual(expect.arrayContaining([
      { Name: RUNNER_ENV.dbHost, Value: 'orders.abc.eu-west-1.rds.amazonaws.com' },
      { Name: RUNNER_ENV.dbPort, Value: '5433' },
    ]));
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0123456789abcdef0', FromPort: 5433, ToPort: 5433 });
  });

  test('every connection problem at once: both databases, host and port with one, a wrong engine, no secret', () => {
    const f = fixture();
    const db = new rds.DatabaseInstance(f.stack, 'Rds', { engine: mysql, vpc: f.vpc, credentials: rds.Credentials.fromPassword('admin', SecretValue.unsafePlainText('x')) });
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(f.stack, 'Imported', { clusterIdentifier: 'c' });
    let err: unknown;
    try {
      BackupRunner.pgDump(f.stack, 'Dump', { database: 'orders', backupBucket: f.bucket, vpc: f.vpc, databaseInstance: db, databaseCluster: cluster, host: 'h', port: 5432, image, cpu: 3 });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).subject).toBe('BackupRunner Db/Dump');
    expect((err as ConfigurationError).problems).toEqual([
      'databaseInstance, databaseCluster: give one database, got both',
      'host: the runner connects to the endpoint of databaseInstance; give host or databaseInstance, not both',
      'port: the runner uses the endpoint port of databaseInstance; give port only with host',
      expect.stringMatching(/^databaseInstance: pg-dump needs a PostgreSQL database, got engine mysql \(family MYSQL\)/),
      expect.stringMatching(/^passwordSecret: required, because databaseInstance has no generated secret/),
      expect.stringMatching(/^cpu must be one of/),
    ]);
    // Nothing was created under the refused id.
    expect(f.stack.node.tryFindChild('Dump')).toBeUndefined();
  });

  test('neither host nor database; mongodump of an RDS database; another user with the generated secret; an imported cluster without an endpoint', () => {
    const f = fixture();
    const errorOf = (fn: () => unknown) => { try { fn(); } catch (e) { return e as ConfigurationError; } throw new Error('no error'); };
    const base = { backupBucket: f.bucket, vpc: f.vpc, image };
    expect(errorOf(() => BackupRunner.mysqlDump(f.stack, 'A', { ...base, database: 'a' })).problems).toEqual([
      'host: give the database host, or databaseInstance or databaseCluster',
      'passwordSecret: required, the secret holding the password of the database user',
    ]);
    const db = new rds.DatabaseInstance(f.stack, 'Rds', { engine: postgres, vpc: f.vpc });
    expect(errorOf(() => BackupRunner.mongoDump(f.stack, 'B', { ...base, database: 'b', databaseInstance: db })).problems).toEqual([
      expect.stringMatching(/^databaseInstance: mongodump backs up MongoDB, which RDS does not run/),
    ]);
    // The generated secret is its own user's: a different user with it is a contradiction.
    expect(errorOf(() => BackupRunner.pgDump(f.stack, 'D', { ...base, database: 'd', databaseInstance: db, user: 'backup' })).problems).toEqual([
      expect.stringMatching(/^user: the password comes from the generated secret of databaseInstance, which belongs to its own user/),
    ]);
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(f.stack, 'NoEndpoint', { clusterIdentifier: 'c' });
    const pw = new secretsmanager.Secret(f.stack, 'Pw');
    expect(errorOf(() => BackupRunner.pgDump(f.stack, 'C', { ...base, database: 'c', databaseCluster: cluster, passwordSecret: pw })).problems).toEqual([
      'databaseCluster: its endpoint address and port are unknown; import it with clusterEndpointAddress and port',
    ]);
  });

  test('a runner of an RDS instance adds no unacknowledged finding', () => {
    const f = fixture();
    const db = new rds.DatabaseInstance(f.stack, 'Rds', { engine: postgres, vpc: f.vpc });
    BackupRunner.pgDump(f.stack, 'Dump', { database: 'orders', backupBucket: f.bucket, vpc: f.vpc, databaseInstance: db, image });
    const findings = nagFindings(f.stack).filter((x) => !/— Db\/(Vpc|Backups|Rds)\//.test(x));
    expect(findings).toEqual([]);
  });
});

describe('BackupRunner validation', () => {
  test('every problem at once, each naming the field and the value', () => {
    const f = fixture();
    let err: unknown;
    try {
      new BackupRunner(f.stack, 'Bad', {
        engine: RunnerEngine.PGBACKREST, database: 'bad name', backupBucket: f.bucket, vpc: f.vpc, cpu: 1024, memoryLimitMiB: 1000,
        ephemeralStorageGiB: 500, retryAttempts: 200, maximumEventAge: Duration.seconds(10),
        schedules: [{ backupType: 'weekly', schedule: scheduler.ScheduleExpression.rate(Duration.days(1)) }],
        environment: { RUNNER_DB_PASSWORD: 'x' },
        pgBackRest: { stanza: 'ok', repository: { bucket: '', region: '' }, databaseHost: { address: 'db', pgPath: 'relative' } },
      });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigurationError);
    const problems = (err as ConfigurationError).problems;
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^database .*"bad name"/),
      expect.stringMatching(/memoryLimitMiB must be 2048-8192 .* got 1000/),
      expect.stringMatching(/ephemeralStorageGiB must be 21-200, got 500/),
      expect.stringMatching(/retryAttempts .* got 200/),
      expect.stringMatching(/maximumEventAge .* got 10 seconds/),
      expect.stringMatching(/schedules\[0\].backupType must be one of full, diff, incr for pgbackrest, got "weekly"/),
      expect.stringMatching(/environment.RUNNER_DB_PASSWORD looks like a secret/),
      expect.stringMatching(/pgBackRest.databaseHost.pgPath must be an absolute path, got "relative"/),
    ]));
  });

  test('pgbackrest engine without settings is refused', () => {
    const f = fixture();
    expect(() => new BackupRunner(f.stack, 'NoSettings', { engine: RunnerEngine.PGBACKREST, database: 'd', backupBucket: f.bucket, vpc: f.vpc, image }))
      .toThrow(/settings are required for engine pgbackrest/);
  });
});

describe('default image', () => {
  test('the bundled runner folder (assets/runner) as an ARM64 image asset, synthesized without Docker', async () => {
    const dir = join(__dirname, '..', '..', '..', 'assets', 'runner');
    // Built by the jest global setup (npm run bundle) from runner/Dockerfile and runner/src. Another
    // jest process on the same checkout may be rebuilding it right now: give it a few seconds.
    for (let i = 0; i < 50 && !(existsSync(join(dir, 'Dockerfile')) && existsSync(join(dir, 'runner.js'))); i++) await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(join(dir, 'Dockerfile')) ? 'Dockerfile present' : `no Dockerfile in ${dir}: runner/Dockerfile must exist and npm run bundle must have run`).toBe('Dockerfile present');
    const f = fixture();
    const pw = new secretsmanager.Secret(f.stack, 'DbPassword');
    BackupRunner.pgDump(f.stack, 'Dump', { database: 'orders', backupBucket: f.bucket, vpc: f.vpc, host: 'h', user: 'u', passwordSecret: pw });
    const assembly = f.app.synth();
    const assets = JSON.parse(require('node:fs').readFileSync(join(assembly.directory, 'Db.assets.json'), 'utf8'));
    const images = Object.values(assets.dockerImages ?? {}) as any[];
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ platform: 'linux/arm64' });
  });
});

describe('runner contract', () => {
  test('every environment variable the construct sets is an option the runner reads', () => {
    const known = new Set([...COMMON_OPTIONS, ...PGBACKREST_OPTIONS].map(envName));
    for (const name of [...Object.values(RUNNER_ENV), ...Object.values(PGBACKREST_RUNNER_ENV)]) {
      if (name === 'RUNNER_ENGINE') continue; // read by main.ts before options are parsed
      expect(known.has(name) ? name : `missing: ${name}`).toBe(name);
    }
  });
});

describe('compliance packs', () => {
  test('a stack with pgBackRest and pg_dump runners has no unacknowledged finding', () => {
    const f = fixture();
    pgBackRestRunner(f);
    const pw = new secretsmanager.Secret(f.stack, 'DbPassword');
    BackupRunner.pgDump(f.stack, 'Dump', { database: 'orders-logical', backupBucket: f.bucket, vpc: f.vpc, host: 'h', user: 'u', passwordSecret: pw, image });
    // Everything except the test's own fixtures (VPC, bucket, secrets), so resources a runner adds at stack level count too.
    const fixtures = /— Db\/(Vpc|Backups|Cipher|Tls|DbPassword)\//;
    const findings = nagFindings(f.stack).filter((x) => !fixtures.test(x));
    expect(findings).toEqual([]);
  });
});

describe('BackupRunner sharing a RunnerInfrastructure', () => {
  const f = fixture();
  const shared = new RunnerInfrastructure(f.stack, 'Runners', { vpc: f.vpc });
  const common = {
    backupBucket: f.bucket, vpc: f.vpc, image, cluster: shared.cluster, encryptionKey: shared.encryptionKey,
    logGroup: shared.logGroup, deadLetterQueue: shared.deadLetterQueue, securityGroups: [shared.securityGroup],
  };
  const secret = new secretsmanager.Secret(f.stack, 'Pw');
  const orders = BackupRunner.pgDump(f.stack, 'Orders', { ...common, database: 'orders', host: 'orders.internal', passwordSecret: secret });
  const billing = BackupRunner.mysqlDump(f.stack, 'Billing', { ...common, database: 'billing', host: 'billing.internal', passwordSecret: secret });
  const ledger = pgBackRestRunner(f, common);
  const t = Template.fromStack(f.stack);

  test('three runners: one key, one log group, one cluster, one queue, one security group (the VPC\'s and the bucket\'s aside)', () => {
    const bucketKeys = 1;
    t.resourceCountIs('AWS::KMS::Key', 1 + bucketKeys);
    t.resourceCountIs('AWS::Logs::LogGroup', 1);
    t.resourceCountIs('AWS::ECS::Cluster', 1);
    t.resourceCountIs('AWS::SQS::Queue', 1);
    t.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    for (const r of [orders, billing, ledger]) {
      expect(r.cluster).toBe(shared.cluster);
      expect(r.logGroup).toBe(shared.logGroup);
      expect(r.deadLetterQueue).toBe(shared.deadLetterQueue);
    }
    // Everything except the test's own fixtures (VPC, bucket, secrets).
    const fixtures = /— Db\/(Vpc|Backups|Cipher|Tls|Pw)\//;
    expect(nagFindings(f.stack).filter((x) => !fixtures.test(x))).toEqual([]);
  });

  test('each database\'s roles reach only its own folders: no object ARN of another database, never the whole bucket', () => {
    const bucketArn = JSON.stringify(f.stack.resolve(f.bucket.bucket.bucketArn));
    // The object keys (or key patterns) a role's policies name in the backup bucket.
    const keysOf = (rolePrefix: string) => {
      const out = new Set<string>();
      for (const p of Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as any[]) {
        if (!(p.Properties.Roles ?? []).some((r: any) => typeof r.Ref === 'string' && r.Ref.startsWith(rolePrefix))) continue;
        for (const st of p.Properties.PolicyDocument.Statement) {
          for (const res of [].concat(st.Resource) as any[]) {
            const parts = res?.['Fn::Join']?.[1];
            if (parts && JSON.stringify(parts[0]) === bucketArn && typeof parts[1] === 'string') out.add(parts[1].replace(/^\//, ''));
          }
        }
      }
      return [...out].sort();
    };
    for (const role of ['BackupRole', 'ExpireRole']) {
      expect(keysOf(`Orders${role}`)).toEqual(['runner/orders/pg-dump/*']);
      expect(keysOf(`Billing${role}`)).toEqual(['runner/billing/mysqldump/*']);
      const pg = keysOf(`Pg${role}`);
      expect(pg).toEqual(expect.arrayContaining(['pgbackrest/archive/orders/*', 'pgbackrest/backup/orders/*', 'runner/orders/pgbackrest/*']));
      for (const key of pg) expect(key).toMatch(/^(pgbackrest\/(archive|backup)\/orders\/|runner\/orders\/pgbackrest\/)/);
    }
    expect(orders.keyPrefixes).toEqual(['runner/orders/pg-dump']);
    expect(billing.keyPrefixes).toEqual(['runner/billing/mysqldump']);
  });

  test('a key prefix with a wildcard or a slash at either end is refused by name', () => {
    const g = fixture();
    const role = new iam.Role(g.stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => g.bucket.grantReadBackups(role, ['runner/*', '/x', 'ok'])).toThrow(/keyPrefixes: .* got "runner\/\*"[\s\S]*got "\/x"/);
    expect(() => g.bucket.grantReadBackups(role, [])).toThrow(/keyPrefixes: give at least one prefix/);
  });
});

describe('RunnerInfrastructure with a shared scheduler role', () => {
  test('a task-role path that is not an IAM path is refused by name with its value', () => {
    const f = fixture();
    expect(() => new RunnerInfrastructure(f.stack, 'Bad', { vpc: f.vpc, taskRolePath: 'runners' }))
      .toThrow(/taskRolePath: an IAM path that starts and ends with "\/".*got "runners"/);
    expect(() => new RunnerInfrastructure(f.stack, 'Bad2', { vpc: f.vpc, taskRolePath: '/a b/' })).toThrow(ConfigurationError);
  });

  test('runners given the shared role add no policy of their own, and composed this way the stack has no unacknowledged finding', () => {
    const f = fixture();
    const shared = new RunnerInfrastructure(f.stack, 'Runners', { vpc: f.vpc, taskRolePath: '/db-runners/' });
    const roles = new RunnerRoles(f.stack, 'OrdersRoles', { database: 'orders', path: shared.taskRolePath, schedulerRole: shared.schedulerRole });
    const secret = new secretsmanager.Secret(f.stack, 'Pw');
    BackupRunner.pgDump(f.stack, 'Orders', {
      backupBucket: f.bucket, vpc: f.vpc, image, cluster: shared.cluster, encryptionKey: shared.encryptionKey, logGroup: shared.logGroup,
      deadLetterQueue: shared.deadLetterQueue, securityGroups: [shared.securityGroup], executionRole: shared.executionRole,
      backupRole: roles.backupRole, expireRole: roles.expireRole, schedulerRole: roles.schedulerRole,
      database: 'orders', host: 'orders.internal', passwordSecret: secret,
    });
    const t = Template.fromStack(f.stack);
    const schedulerRoles = Object.keys(t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] } } }));
    expect(schedulerRoles).toEqual([expect.stringMatching(/^RunnersSchedulerRole/)]);
    // The shared policy is the only one naming ecs:RunTask: the runner's target added nothing.
    const running = Object.entries<any>(t.findResources('AWS::IAM::ManagedPolicy')).filter(([, p]) => JSON.stringify(p).includes('ecs:RunTask'));
    expect(running.map(([id]) => id)).toEqual([expect.stringMatching(/^RunnersSchedulerPolicy/)]);
    t.hasResourceProperties('AWS::IAM::Role', { Path: '/db-runners/', Description: Match.stringLikeRegexp('orders: write and read') });
    const fixtures = /— Db\/(Vpc|Backups|Cipher|Tls|Pw)\//;
    expect(nagFindings(f.stack).filter((x) => !fixtures.test(x))).toEqual([]);
  });
});
