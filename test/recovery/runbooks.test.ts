/**
 * Runbooks generated from the configuration: the Markdown written into the cloud assembly at
 * synthesis for the example plan, the SSM Automation documents (shape, roles, cdk-nag), the alarm
 * descriptions that name them (within 1024 characters), a composing app's runbooks, bad input.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { templateWithNested } from '../support/templates';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { buildDrApp, DrApp } from '../../lib/app';
import { AlarmTopic, BackupMonitoring } from '../../lib/monitoring';
import { renderAlarmDescription } from '../../lib/monitoring/alarms/render';
import { DatabaseEngine, loadPlanFile } from '../../lib/plan';
import { DatabaseProtection, ProtectedDatabase } from '../../lib/protection';
import { RecoveryRunbooks, RunbookKind } from '../../lib/recovery';
import { AutomationContent, automationContentProblems } from '../../lib/recovery/automation-content';
import { BackupVault } from '../../lib/storage';
import { nagFindings } from '../support/nag';

const EXAMPLE_PLAN = join(__dirname, '..', '..', 'examples', 'backup-plan.json');

describe('the example plan\'s runbooks', () => {
  let outdir: string;
  let built: DrApp;
  let primary: Template;
  /** The primary stack and its nested database stacks (a database's documents and alarms live in its stack). */
  let primaryStacks: Template[];
  const findPrimary = (type: string) => Object.assign({}, ...primaryStacks.map((t) => t.findResources(type))) as Record<string, any>;
  let dr: Template;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'runbooks-'));
    const app = new App({ outdir });
    built = buildDrApp(app, loadPlanFile(EXAMPLE_PLAN));
    app.synth();
    primary = Template.fromStack(built.primary);
    primaryStacks = [primary, ...built.databaseStacks.map((s) => Template.fromStack(s))];
    dr = templateWithNested(built.dr);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const page = (db: string, kind: string) => readFileSync(join(outdir, 'runbooks', 'database-dr', db, `${kind}.md`), 'utf8');

  test('synthesis writes three pages per database and an index into the cloud assembly, with no unresolved token', () => {
    for (const db of ['orders', 'billing', 'ledger']) {
      for (const kind of Object.values(RunbookKind)) {
        const text = page(db, kind);
        expect(text).not.toMatch(/\$\{Token|\[object Object\]|undefined|__RB_|\{\{/);
        expect(text).toContain(`# ${db}: `);
      }
    }
    const index = readFileSync(join(outdir, 'runbooks', 'database-dr', 'README.md'), 'utf8');
    expect(index).toContain('[point-in-time](orders/point-in-time.md)');
    expect(index).toContain('`database-dr-dr-region-cluster-databases1` (us-west-2)');
    expect(built.runbooks.renderRunbooks().map((f) => f.path)).toHaveLength(10);
  });

  test('docs/runbooks/example/ holds the example plan\'s runbooks as rendered now', () => {
    // Regenerate: UPDATE_RUNBOOK_EXAMPLES=1 npx jest test/recovery/runbooks.test.ts
    const dir = join(__dirname, '..', '..', 'docs', 'runbooks', 'example');
    const files = built.runbooks.renderRunbooks().map((f) => ({ ...f, path: f.path.replace(/^runbooks\/database-dr\//, '') }));
    if (process.env.UPDATE_RUNBOOK_EXAMPLES) {
      for (const f of files) {
        mkdirSync(dirname(join(dir, f.path)), { recursive: true });
        writeFileSync(join(dir, f.path), f.content);
      }
    }
    for (const f of files) expect(`${f.path}:\n${readFileSync(join(dir, f.path), 'utf8')}`).toBe(`${f.path}:\n${f.content}`);
  });

  test('every page\'s TargetName example names its own database, never another database of the plan', () => {
    const names = ['orders', 'billing', 'ledger'];
    for (const db of names) {
      for (const kind of Object.values(RunbookKind)) {
        const line = page(db, kind).split('\n').find((l) => l.startsWith('TargetName='));
        if (!line) continue;
        const value = line.slice('TargetName='.length).split('   #')[0];
        for (const other of names.filter((n) => n !== db)) expect(`${db}/${kind}: ${value}`).not.toContain(other);
        expect(`${db}/${kind}: ${value}`).toMatch(new RegExp(`${db}.*: .*${db}`));
      }
    }
  });

  test('point in time (RDS): real names, the model\'s estimate, the document, and the procedure\'s steps with their command lines', () => {
    const text = page('orders', 'point-in-time');
    expect(text).toContain("SOURCE='orders-prod'");
    expect(text).toContain('| RPO (objective) | 15 min |');
    expect(text).toContain('34 min estimated (rds-pitr: 30 min + 200 GB at 50 GB/min)');
    expect(text).toContain('--document-name database-dr-point-in-time-instance-databases1');
    expect(text).toContain('--parameters "{\\"Database\\":[\\"orders\\"],\\"TargetTime\\":[\\"$TargetTime\\"],\\"TargetName\\":[\\"$TargetName\\"],');
    expect(text).toContain("TargetName='orders-prod-restore-1'");
    // runtime/recovery's command line, its parameters as shell variables, the subnet group read from RDS
    expect(text).toContain('aws rds restore-db-instance-to-point-in-time --region us-east-1 --source-db-instance-identifier orders-prod '
      + '--target-db-instance-identifier "${TargetName}" --restore-time "${TargetTime}" --db-subnet-group-name "${SUBNET_GROUP}"');
    expect(text).toContain('SUBNET_GROUP=$(aws rds describe-db-instances --region us-east-1 --db-instance-identifier "$SOURCE"');
    expect(text).toMatch(/### 5\. Approve redirecting the application from orders-prod to `\$TargetName` \(approval\)/);
    expect(text).toContain('select string_agg(code, \',\' order by code) from currencies');
  });

  test('point in time (self-managed pgBackRest): the runner on the restore host, the bucket read from the stack, pgBackRest by hand', () => {
    const text = page('ledger', 'point-in-time');
    const bucketId = Object.keys(primary.findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } }))[0];
    expect(text).toContain(`BUCKET=$(aws cloudformation describe-stack-resource --region us-east-1 --stack-name CdkDatabaseDr-Primary --logical-resource-id ${bucketId} `);
    expect(text).toContain('runner restore --engine pgbackrest --database ledger --s3-bucket "${BUCKET}" --s3-prefix runner --s3-region us-east-1 --target-dir "${TargetName}" --target-time "${TargetTime}"');
    expect(text).toContain('## By hand with the upstream tools (no lock-in)');
    expect(text).toContain('pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=ledger --pg1-path="${TargetName}" --set="${BackupId}" --type=time');
    expect(text).toContain('50 min estimated (pgbackrest: ');
  });

  test('DR Region (Aurora): the DR vault, the restore role, the document in us-west-2 and the restore job by hand', () => {
    const text = page('billing', 'dr-region');
    const drVaultId = Object.keys(dr.findResources('AWS::Backup::BackupVault'))[0];
    expect(text).toContain(`DR_VAULT=$(aws cloudformation describe-stack-resource --region us-west-2 --stack-name CdkDatabaseDr-Dr --logical-resource-id ${drVaultId} `);
    expect(text).toContain('RESTORE_ROLE_ARN=$(aws iam get-role --role-name "$RESTORE_ROLE" --query Role.Arn --output text)');
    expect(text).toContain('--document-name database-dr-dr-region-cluster-databases1');
    expect(text).toContain('aws backup start-restore-job --region us-west-2 --recovery-point-arn "${RecoveryPointArn}" --iam-role-arn "${RESTORE_ROLE_ARN}" --resource-type Aurora');
  });

  test('table restore: from the mysqldump backup into a scratch database and back; not available without a logical backup', () => {
    const billing = page('billing', 'table-restore');
    expect(billing).toContain('runner restore --engine mysqldump --database billing --s3-bucket "${BUCKET}"');
    expect(billing).toContain('--tables "${Tables}"');
    expect(billing).toContain('aws ecs run-task --region us-east-1 --cluster "${CLUSTER}" --task-definition "${TASK_DEFINITION_MYSQLDUMP}"');
    expect(billing).toContain('**This step changes production.**');
    const orders = page('orders', 'table-restore');
    expect(orders).toContain('**Not available for orders:** orders has no pg-dump or mysqldump backup');
    expect(orders).toContain('[point-in-time.md](point-in-time.md)');
  });

  test('SSM Automation documents: one per stack and kind (and instance or cluster), schema 0.3, sound shape, updated in place under a fixed name', () => {
    const docs = { ...findPrimary('AWS::SSM::Document'), ...dr.findResources('AWS::SSM::Document') };
    const names = Object.values(docs).map((d) => d.Properties.Name).sort();
    expect(names).toEqual([
      'database-dr-dr-region-cluster-databases1', 'database-dr-dr-region-instance-databases1', 'database-dr-dr-runner-restore-databases1',
      'database-dr-point-in-time-cluster-databases1', 'database-dr-point-in-time-instance-databases1', 'database-dr-runner-restore-databases1',
    ]);
    for (const doc of Object.values(docs)) {
      expect(doc.Properties).toMatchObject({ DocumentType: 'Automation', DocumentFormat: 'JSON', UpdateMethod: 'NewVersion' });
      const content = doc.Properties.Content as AutomationContent;
      expect(content.schemaVersion).toBe('0.3');
      expect(automationContentProblems(content)).toEqual([]);
      // The approval comes before the first step that creates or starts anything.
      const steps = content.mainSteps.map((s) => s.name);
      const firstWrite = content.mainSteps.findIndex((s) => /Restore|CreateDBInstance|StartRestoreJob|RunTask/.test(String(s.inputs.Api ?? '')));
      expect(firstWrite).toBeGreaterThan(0);
      expect(steps.indexOf('Approve')).toBeGreaterThan(-1);
      expect(steps.indexOf('Approve')).toBeLessThan(firstWrite);
      // Nothing before the approval calls an AWS API that writes: the database is looked up from the document itself.
      expect(steps[0]).toBe('SelectDatabase');
      expect(content.parameters.Database.allowedValues!.length).toBeGreaterThan(0);
    }
    const content = (name: string) => Object.values(docs).find((d) => d.Properties.Name === name)!.Properties.Content as AutomationContent;
    expect(content('database-dr-point-in-time-instance-databases1').parameters.Database.allowedValues).toEqual(['orders']);
    expect(content('database-dr-point-in-time-cluster-databases1').parameters.Database.allowedValues).toEqual(['billing']);
    expect(content('database-dr-runner-restore-databases1').parameters.Database.allowedValues).toEqual(['billing', 'ledger']);
    for (const name of ['database-dr-point-in-time-instance-databases1', 'database-dr-dr-region-cluster-databases1']) {
      expect(content(name).parameters.TargetTime.allowedPattern).toBeDefined();
      expect(content(name).parameters.TargetName.allowedPattern).toMatch(/^\^\(\?:(orders|billing)-prod-restore-/);
    }
  });

  test('each document\'s role: trusted by Systems Manager of this account only, least privilege, explicitly denied every delete and unlock', () => {
    const policies = { ...findPrimary('AWS::IAM::ManagedPolicy'), ...dr.findResources('AWS::IAM::ManagedPolicy') };
    const documentPolicies = Object.entries(policies).filter(([id]) => /^Runbooks(PointInTime|DrRegion|RunnerRestore|DrRunnerRestore)/.test(id));
    expect(documentPolicies).toHaveLength(6);
    for (const [, policy] of documentPolicies) {
      const all = policy.Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>;
      expect(all).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: expect.arrayContaining(['s3:DeleteObject', 'backup:DeleteRecoveryPoint', 'kms:ScheduleKeyDeletion']), Resource: '*' }));
      const statements = all.filter((s) => s.Effect === 'Allow');
      const actions = statements.flatMap((s) => [s.Action].flat());
      for (const a of actions) {
        expect(a).not.toMatch(/\*|Delete|Modify|PutBackupVault|UpdateRecoveryPoint|Disassociate|kms:Decrypt|kms:ScheduleKeyDeletion|StopTask/);
      }
      const rdsWrites = statements.filter((s) => [s.Action].flat().some((a) => /rds:(Restore|Create)/.test(a)));
      for (const s of rdsWrites) {
        for (const r of [s.Resource].flat()) {
          const text = JSON.stringify(r);
          // production only as the source; anything created is <source>-restore-*
          expect(text).toMatch(/:db:(orders|billing)-prod|:cluster:billing-prod|-restore-\*|:(subgrp|og|pg|cluster-pg):\*/);
        }
      }
    }
    const roles = Object.entries({ ...findPrimary('AWS::IAM::Role'), ...dr.findResources('AWS::IAM::Role') }).filter(([id]) => /AutomationRole/.test(id));
    expect(roles).toHaveLength(6);
    for (const [, role] of roles) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({
        Principal: { Service: 'ssm.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      })]);
    }
  });

  test('every per-database alarm names its database\'s runbooks and documents; every description fits in 1024 characters', () => {
    // A description naming a generated bucket is an Fn::Join: counted with each reference at a bucket name's 63 characters.
    const alarms = Object.values(findPrimary('AWS::CloudWatch::Alarm')).map((a) => flatten(a.Properties.AlarmDescription));
    expect(alarms.length).toBeGreaterThan(10);
    for (const d of alarms) expect(d.length).toBeLessThanOrEqual(1024);
    const orders = alarms.filter((d) => /Databases: orders\./.test(d));
    expect(orders.length).toBeGreaterThan(2);
    for (const d of orders) {
      expect(d).toContain('Runbooks of orders: runbooks/database-dr/orders/ in the cloud assembly');
      expect(d).toContain('database-dr-point-in-time-instance-databases1 (us-east-1), database-dr-dr-region-instance-databases1 (us-west-2)');
    }
    const ledger = alarms.filter((d) => /Databases: ledger\./.test(d));
    expect(ledger.length).toBeGreaterThan(0);
    for (const d of ledger) expect(d).toContain('Runbooks of ledger: runbooks/database-dr/ledger/');
  });

  test('no unacknowledged cdk-nag finding in either stack', () => {
    expect(nagFindings(built.primary)).toEqual([]);
    expect(nagFindings(built.dr)).toEqual([]);
  });
});

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(flatten).join(join[0]);
  return 'x'.repeat(63);
}

describe('alarm descriptions stay within CloudWatch\'s 1024 characters and keep the runbooks', () => {
  const base = {
    severity: 'Critical', kindId: 'backup-job-failed', condition: 'Fires when NumberOfBackupJobsFailed (Sum) >= 1 jobs in 1 of 1 period(s) of 300 s; missing data: notBreaching.',
    docsPage: 'docs/alarms/backup-job-failed.md',
  };
  const link = (db: string) => ({ database: db, folder: `runbooks/plan/${db}`, index: 'runbooks/plan/README.md', documents: [`plan-${db}-point-in-time (eu-west-1)`, `plan-${db}-dr-region (eu-central-1)`] });

  test('one database: the whole text', () => {
    const text = renderAlarmDescription({ ...base, meaning: 'a backup job failed', databases: ['orders'], runbooks: [link('orders')] });
    expect(text).toBe('[Critical] backup-job-failed: a backup job failed. Databases: orders. ' + base.condition
      + ' First response: docs/alarms/backup-job-failed.md (cdk-database-dr). Runbooks of orders: runbooks/plan/orders/ in the cloud assembly'
      + ' (point-in-time.md, dr-region.md, table-restore.md); SSM Automation documents plan-orders-point-in-time (eu-west-1), plan-orders-dr-region (eu-central-1).');
  });

  test('200 databases on one vault alarm and a very long meaning: shortened to 1024, the first response and the runbooks index kept', () => {
    const databases = Array.from({ length: 200 }, (_, i) => `database-number-${i}`);
    const text = renderAlarmDescription({ ...base, meaning: 'x'.repeat(2000), databases, runbooks: databases.map(link) });
    expect(text.length).toBeLessThanOrEqual(1024);
    expect(text).toContain('Databases: 200.');
    expect(text).toContain('First response: docs/alarms/backup-job-failed.md (cdk-database-dr). Runbooks: runbooks/plan/README.md in the cloud assembly');
    const listed = renderAlarmDescription({ ...base, meaning: 'a backup job failed', databases, runbooks: [] });
    expect(listed.length).toBeLessThanOrEqual(1024);
    expect(listed).toContain('Databases: 200 (database-number-0, database-number-1, database-number-2, …).');
  });
});

describe('composing the constructs', () => {
  function composed() {
    const app = new App();
    const env = { account: '111111111111', region: 'eu-west-1' };
    const drStack = new Stack(app, 'Dr', { env: { ...env, region: 'eu-central-1' }, crossRegionReferences: true });
    const drVault = new BackupVault(drStack, 'DrVault');
    const stack = new Stack(app, 'App', { env, crossRegionReferences: true });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const db = new rds.DatabaseInstance(stack, 'Orders', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, storageEncrypted: true,
    });
    const vault = new BackupVault(stack, 'Vault');
    // The copy rule makes the app's stack refer to the DR vault: the DR stack must never refer back.
    const protection = new DatabaseProtection(stack, 'Protect', { database: ProtectedDatabase.fromDatabaseInstance(db), vault, drVault, rpo: Duration.minutes(15) });
    const monitoring = new BackupMonitoring(stack, 'Monitoring', { planName: 'shop', alarmTopic: new AlarmTopic(stack, 'Alarms', { email: 'oncall@example.com' }) });
    monitoring.addDatabase({ name: 'orders', rpo: Duration.minutes(15), rto: Duration.hours(1) });
    monitoring.addProtection(protection, { database: 'orders' });
    return { app, stack, drStack, drVault, protection, monitoring };
  }

  test('an instance defined in the app: its generated identifier is read from the stack; the documents name it by reference', () => {
    const { app, stack, drStack, drVault, protection, monitoring } = composed();
    const runbooks = new RecoveryRunbooks(stack, 'Runbooks', { planName: 'shop', drVault, monitoring, approvers: ['arn:aws:iam::111111111111:role/oncall'] });
    runbooks.addDatabase({ name: 'orders', engine: DatabaseEngine.POSTGRES, protection, rpo: Duration.minutes(15), rto: Duration.hours(1) });
    const files = runbooks.renderRunbooks();
    const pitr = files.find((f) => f.path === 'runbooks/shop/orders/point-in-time.md')!.content;
    expect(pitr).toMatch(/SOURCE=\$\(aws cloudformation describe-stack-resource --region eu-west-1 --stack-name App --logical-resource-id Orders[0-9A-F]{8} /);
    expect(pitr).toContain('--source-db-instance-identifier "${SOURCE}" --target-db-instance-identifier "${TargetName}"');
    for (const f of files) expect(f.content).not.toMatch(/\$\{Token|__RB_/);
    expect(runbooks.documentNames).toEqual(['shop-point-in-time-instance-app', 'shop-dr-region-instance-dr']);
    const content = Template.fromStack(drStack).findResources('AWS::SSM::Document');
    const drContent = Object.values(content)[0].Properties.Content as AutomationContent;
    // The source lives in another stack: the DR document asks for its ARN and names restored copies after the database.
    expect(drContent.parameters.SourceArn.default).toBe('');
    const select = drContent.mainSteps[0].inputs.InputPayload as { Databases: Record<string, Record<string, string>>; Required: string[] };
    expect(select.Databases.orders.SourceArn).toBeUndefined();
    expect(select.Required).toContain('SourceArn');
    expect(drContent.parameters.TargetName.allowedPattern).toMatch(/^\^\(\?:orders-restore-/);
    expect(JSON.stringify(Template.fromStack(drStack).toJSON())).not.toMatch(/ExportsReader|Fn::ImportValue/);
    expect(pitr).toContain('TargetName="$SOURCE-restore-1"');
    expect(drContent.parameters.Approvers.default).toEqual(['arn:aws:iam::111111111111:role/oncall']);
    const descriptions = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a) => flatten(a.Properties.AlarmDescription));
    expect(descriptions.length).toBeGreaterThan(0);
    for (const d of descriptions) expect(d).toContain('Runbooks of orders: runbooks/shop/orders/ in the cloud assembly');
    const outdir = app.synth().directory;
    expect(existsSync(join(outdir, 'runbooks', 'shop', 'orders', 'dr-region.md'))).toBe(true);
  });

  test('bad input: every problem at once, each naming the field and the value', () => {
    const { stack } = composed();
    expect(() => new RecoveryRunbooks(stack, 'Bad', { planName: 'aws plan', approvers: ['oncall'] }))
      .toThrow(/planName: 1 to 60 letters[^\n]*got 'aws plan'[\s\S]*approvers\[0\]: an IAM user, role or assumed-role ARN, got 'oncall'/);
    const runbooks = new RecoveryRunbooks(stack, 'Runbooks', { planName: 'shop' });
    runbooks.addDatabase({ name: 'orders' });
    expect(() => runbooks.addDatabase({ name: 'orders' })).toThrow(/name: 'orders' is added twice/);
    expect(() => runbooks.addDatabase({ name: 'Orders DB' })).toThrow(/name: lowercase letters, digits and hyphens \(at most 63\), got 'Orders DB'/);
  });
});

describe('the document shape check', () => {
  test('names every problem: a step name used twice, an undeclared parameter, an output read before its step, a backward jump, an unknown document output', () => {
    const content: AutomationContent = {
      schemaVersion: '0.3', description: 'x', assumeRole: '{{ AutomationAssumeRole }}',
      parameters: { AutomationAssumeRole: { type: 'String', description: 'r' }, TargetName: { type: 'String', description: 't' } },
      mainSteps: [
        { name: 'First', action: 'aws:executeAwsApi', inputs: { Service: 'rds', Api: 'DescribeDBInstances', DBInstanceIdentifier: '{{ Later.Id }}' } },
        { name: 'Later', action: 'aws:executeAwsApi', inputs: { Name: '{{ TargetNmae }}' }, outputs: [{ Name: 'Id', Selector: '$.Id', Type: 'String' }], nextStep: 'First' },
        { name: 'Later', action: 'aws:approve', inputs: { Approvers: [] } },
      ],
      outputs: ['Later.Id', 'Later.Endpoint'],
    };
    expect(automationContentProblems(content)).toEqual([
      'mainSteps[0] (First).inputs: {{ Later.Id }} is not an output of a step before it',
      'mainSteps[1] (Later).inputs: {{ TargetNmae }} is not a declared parameter',
      'mainSteps[1] (Later): goes back to \'First\' (steps here only go forward)',
      'mainSteps[2] (Later): step name \'Later\' is used twice',
      'mainSteps[2] (Later): aws:approve needs Approvers',
      'outputs: \'Later.Endpoint\' is not an output of any step',
    ]);
  });
});
