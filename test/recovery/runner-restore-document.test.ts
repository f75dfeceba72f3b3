/**
 * The runner restore documents of the example plan (one per stack: billing's mysqldump and
 * ledger's pg-dump restore tasks, in the primary and the DR Region): their parameters and the
 * patterns that keep a value from becoming another flag, the approval before RunTask, the exit-code
 * check (its script run against stand-ins of ECS), the role's least privilege, and the container
 * command a parameter set renders, parsed by the runner's own CLI parser with the task definition's
 * environment. Also: the SelectDatabase script, and that adding a database keeps every document's
 * logical id.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, aws_ec2 as ec2, aws_ecs as ecs, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildDrApp, DrApp } from '../../lib/app';
import { DatabaseEngine, loadPlanFile, parsePlan } from '../../lib/plan';
import { RecoveryRunbooks } from '../../lib/recovery';
import { BackupRunner } from '../../lib/runner/backup-runner';
import { BackupBucket } from '../../lib/storage/backup-bucket';
import { AutomationContent, AutomationStep } from '../../lib/recovery/automation-content';
import { SELECT_DATABASE_SCRIPT } from '../../lib/recovery/document-parts';
import { CHECK_EXIT_CODE_SCRIPT, RUNNER_RESTORE_COMMAND } from '../../lib/recovery/runner-restore-document';
import { RUNNER_EXIT_MEANINGS } from '../../runtime/recovery/exit-codes';
import { EXIT } from '../../runner/src/core/errors';
import { parseJobOptions } from '../../runner/src/core/job';
import { splitArgs } from '../../runner/src/core/options';
import { allEngines, getEngine } from '../../runner/src/core/registry';
import '../../runner/src/engines';
import { templateWithNested } from '../support/templates';

const EXAMPLE_PLAN = join(__dirname, '..', '..', 'examples', 'backup-plan.json');

type Resources = Record<string, any>;

describe('the example plan\'s runner restore documents', () => {
  let built: DrApp;
  let primary: Template;
  let dr: Template;
  beforeAll(() => {
    const app = new App();
    built = buildDrApp(app, loadPlanFile(EXAMPLE_PLAN));
    // The example's databases, their runners, restore tasks and documents are in the first database stack.
    primary = Template.fromStack(built.databaseStacks[0]);
    dr = templateWithNested(built.dr);
  });
  const documentOf = (t: Template, name: string): AutomationContent => {
    const docs = Object.values(t.findResources('AWS::SSM::Document')) as Resources[];
    const doc = docs.find((d) => d.Properties.Name === name);
    if (!doc) throw new Error(`no document ${name}`);
    return doc.Properties.Content as AutomationContent;
  };
  const step = (c: AutomationContent, name: string): AutomationStep => c.mainSteps.find((s) => s.name === name)!;

  test('parameters: the stack\'s databases as allowed values; every value the command carries is held by a pattern', () => {
    for (const [t, name] of [[() => primary, 'database-dr-runner-restore-databases1'], [() => dr, 'database-dr-dr-runner-restore-databases1']] as const) {
      const c = documentOf(t(), name);
      expect(c.parameters.Database.allowedValues).toEqual(['billing', 'ledger']);
      const used = RUNNER_RESTORE_COMMAND.flatMap((a) => [...a.matchAll(/\{\{ (\w+) \}\}/g)].map((m) => m[1]));
      expect(used).toEqual(['TargetHost', 'TargetPort', 'TargetName', 'Tables', 'BackupId']);
      for (const p of used) expect(c.parameters[p].allowedPattern).toMatch(/^\^.*\$$/);
      const accepts = (p: string, v: string) => new RegExp(c.parameters[p].allowedPattern!).test(v);
      expect(accepts('TargetHost', 'billing-prod.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com')).toBe(true);
      expect(accepts('TargetHost', '10.0.3.17')).toBe(true);
      expect(accepts('TargetName', 'billing_restore_20261123')).toBe(true);
      expect(accepts('Tables', 'billing.invoices,billing.payments')).toBe(true);
      expect(accepts('Tables', '')).toBe(true);
      expect(accepts('BackupId', '20261123T055100Z-full')).toBe(true);
      expect(accepts('BackupId', '')).toBe(true);
      expect(accepts('TargetPort', '')).toBe(true);
      // Nothing that could start another flag, split an argument or reach a shell.
      for (const bad of ['--posix-repo', '-x', 'a b', 'a;b', 'a\nb', '$(id)', 'a,--s3-bucket']) {
        for (const p of used) expect(`${p}=${bad}: ${accepts(p, bad)}`).toBe(`${p}=${bad}: false`);
      }
      expect(accepts('TargetPort', '0')).toBe(false);
      expect(accepts('BackupId', '20261123T055100Z')).toBe(false);
      expect(c.parameters.TargetHost.default).toBeUndefined();
      expect(c.parameters.TargetName.default).toBeUndefined();
    }
  });

  test('steps: look up the database, approve, RunTask of its restore task with the runner\'s restore command, wait until STOPPED, fail unless exit 0', () => {
    const c = documentOf(primary, 'database-dr-runner-restore-databases1');
    expect(c.mainSteps.map((s) => `${s.name}:${s.action}`)).toEqual([
      'SelectDatabase:aws:executeScript', 'Approve:aws:approve', 'StartRestore:aws:executeAwsApi', 'WaitForTask:aws:waitForAwsResourceProperty', 'CheckExitCode:aws:executeScript',
    ]);
    const run = step(c, 'StartRestore').inputs as any;
    expect(run).toMatchObject({ Service: 'ecs', Api: 'RunTask', launchType: 'FARGATE', taskDefinition: '{{ SelectDatabase.TaskDefinition }}', cluster: '{{ SelectDatabase.Cluster }}' });
    expect(run.networkConfiguration.awsvpcConfiguration.assignPublicIp).toBe('DISABLED');
    // The stack's runners share their network: the document names it (no list variable nested in RunTask's input).
    const network = run.networkConfiguration.awsvpcConfiguration;
    expect(JSON.stringify(network)).not.toContain('{{');
    expect(network.subnets).toEqual(built.plan.network!.privateSubnetIds);
    expect(network.securityGroups).toHaveLength(1);
    expect(run.overrides.containerOverrides[0].command).toEqual([...RUNNER_RESTORE_COMMAND]);
    expect(step(c, 'WaitForTask').inputs).toMatchObject({ Api: 'DescribeTasks', PropertySelector: '$.tasks[0].lastStatus', DesiredValues: ['STOPPED'] });
    const check = step(c, 'CheckExitCode');
    expect(check.isEnd).toBe(true);
    expect((check.inputs.InputPayload as any).Meanings['3']).toMatch(/^database/);
    // The lookup: each database's own restore task, the primary's runner cluster, and production's database refused as a target.
    const select = step(c, 'SelectDatabase').inputs.InputPayload as any;
    const billing = select.Databases.billing;
    expect(billing.Engine).toBe('mysqldump');
    expect(billing.ForbiddenTargetName).toBe('billing');
    expect(select.Databases.ledger.Engine).toBe('pg-dump');
    const tasks = primary.findResources('AWS::ECS::TaskDefinition');
    expect(Object.keys(tasks)).toContain(billing.TaskDefinition.Ref);
    const container = tasks[billing.TaskDefinition.Ref].Properties.ContainerDefinitions[0];
    expect(container.Command).toEqual(['restore']);
    expect(container.Secrets.map((s: { Name: string }) => s.Name)).toEqual(['RUNNER_TARGET_PASSWORD']);
    expect(container.Environment).toContainEqual({ Name: 'RUNNER_TARGET_USER', Value: 'backup' });
    // In the DR Region: the DR stack's restore task of the database (its own target credentials), the production name allowed.
    const drSelect = step(documentOf(dr, 'database-dr-dr-runner-restore-databases1'), 'SelectDatabase').inputs.InputPayload as any;
    expect(drSelect.Databases.billing.ForbiddenTargetName).toBeUndefined();
    const drTask = dr.findResources('AWS::ECS::TaskDefinition')[drSelect.Databases.billing.TaskDefinition.Ref];
    expect(drTask.Properties.ContainerDefinitions[0].Secrets.map((s: { Name: string }) => s.Name).sort()).toEqual(['RUNNER_TARGET_PASSWORD', 'RUNNER_TARGET_USER']);
  });

  test('its role: RunTask only of the restore tasks and only in their cluster, PassRole only of their roles to ECS, DescribeTasks of the cluster\'s tasks; deletes denied', () => {
    for (const t of [primary, dr]) {
      const policies = Object.entries(t.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) => /^Runbooks(Dr)?RunnerRestore/.test(id));
      expect(policies).toHaveLength(1);
      const statements = policies[0][1].Properties.PolicyDocument.Statement as Array<{ Sid: string; Effect: string; Action: string | string[]; Resource: any; Condition?: any }>;
      const allow = statements.filter((s) => s.Effect === 'Allow');
      expect(allow.flatMap((s) => [s.Action].flat()).sort()).toEqual(['ecs:DescribeTasks', 'ecs:RunTask', 'iam:PassRole']);
      const run = allow.find((s) => s.Action === 'ecs:RunTask')!;
      const restoreTasks = Object.entries(t.findResources('AWS::ECS::TaskDefinition'))
        .filter(([, td]) => JSON.stringify(td.Properties.ContainerDefinitions[0].Command) === '["restore"]').map(([id]) => id).sort();
      expect(restoreTasks).toHaveLength(2);
      expect([run.Resource].flat().map((r: { Ref: string }) => r.Ref).sort()).toEqual(restoreTasks);
      expect(Object.keys(run.Condition)).toEqual(['ArnEquals']);
      expect(Object.keys(run.Condition.ArnEquals)).toEqual(['ecs:cluster']);
      const pass = allow.find((s) => s.Action === 'iam:PassRole')!;
      expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      // exactly the restore tasks' task and execution roles
      const roles = new Set(restoreTasks.flatMap((id) => {
        const p = t.findResources('AWS::ECS::TaskDefinition')[id].Properties;
        return [JSON.stringify(p.TaskRoleArn), JSON.stringify(p.ExecutionRoleArn)];
      }));
      expect(new Set([pass.Resource].flat().map((r: unknown) => JSON.stringify(r)))).toEqual(roles);
      const deny = statements.find((s) => s.Effect === 'Deny')!;
      expect(deny.Action).toEqual(expect.arrayContaining(['s3:DeleteObject', 's3:BypassGovernanceRetention', 'backup:DeleteRecoveryPoint']));
      expect(deny.Resource).toBe('*');
    }
  });

  test('the command a parameter set renders is valid for the runner\'s CLI parser with the restore task\'s environment', () => {
    const c = documentOf(primary, 'database-dr-runner-restore-databases1');
    const select = step(c, 'SelectDatabase').inputs.InputPayload as any;
    const tasks = primary.findResources('AWS::ECS::TaskDefinition');
    const render = (values: Record<string, string>) => (step(c, 'StartRestore').inputs as any).overrides.containerOverrides[0].command
      .map((a: string) => a.replace(/\{\{ (\w+) \}\}/g, (_m: string, n: string) => {
        if (values[n] === undefined) throw new Error(`no value for ${n}`);
        return values[n];
      })) as string[];
    const boolFlags = new Set(allEngines().flatMap((e) => e.options ?? []).filter((o) => o.kind === 'bool').map((o) => o.name));
    const parse = (database: string, argv: string[]) => {
      // The task's environment as ECS sets it: literals, generated names replaced by plausible values, the secrets by stand-ins.
      const container = tasks[select.Databases[database].TaskDefinition.Ref].Properties.ContainerDefinitions[0];
      const env: NodeJS.ProcessEnv = { RUNNER_TARGET_PASSWORD: 'stand-in' };
      for (const e of container.Environment as Array<{ Name: string; Value: unknown }>) env[e.Name] = typeof e.Value === 'string' ? e.Value : 'database-dr-backup-bucket';
      const [command, ...rest] = argv;
      expect(command).toBe('restore');
      const { flags, positional, problems } = splitArgs(rest, boolFlags);
      expect(positional).toEqual([]);
      return parseJobOptions(getEngine(env.RUNNER_ENGINE!)!, 'restore', flags, env, problems);
    };
    const full = { TargetHost: '10.0.3.17', TargetPort: '5433', TargetName: 'ledger_restore_20261123', Tables: 'public.journal_entries,public.accounts', BackupId: '20261123T055100Z-full' };
    const o = parse('ledger', render(full));
    expect([o.str('engine'), o.str('database'), o.str('target-host'), o.int('target-port'), o.str('target-db'), o.str('tables'), o.str('backup-id')])
      .toEqual(['pg-dump', 'ledger', '10.0.3.17', 5433, 'ledger_restore_20261123', 'public.journal_entries,public.accounts', '20261123T055100Z-full']);
    expect(o.str('s3-bucket')).toBe('database-dr-backup-bucket');
    // The optional parameters left empty: unset for the runner (engine port, whole dump, newest complete backup).
    const m = parse('billing', render({ TargetHost: 'billing-scratch.internal', TargetPort: '', TargetName: 'billing_restore_20261123', Tables: '', BackupId: '' }));
    expect([m.str('engine'), m.has('target-port'), m.has('tables'), m.has('backup-id'), m.str('target-user')]).toEqual(['mysqldump', false, false, false, 'backup']);
    // A value the patterns would refuse still cannot become another flag: it stays the value of its own.
    const injected = parse('billing', render({ ...full, TargetName: '--posix-repo', Tables: '', BackupId: '' }));
    expect(injected.str('target-db')).toBe('--posix-repo');
    expect(injected.has('posix-repo')).toBe(false);
  });

  test('CheckExitCode fails the automation unless the runner exited 0, with the meaning of its exit code (run against a stand-in of ECS)', () => {
    const run = (task: Record<string, unknown>) => runPython(CHECK_EXIT_CODE_SCRIPT, {
      Cluster: 'c', TaskArn: 'arn:aws:ecs:us-east-1:111122223333:task/c/1', Container: 'runner', Meanings: RUNNER_EXIT_MEANINGS,
    }, `
class _Ecs:
    def describe_tasks(self, cluster, tasks):
        assert cluster == 'c' and tasks == ['arn:aws:ecs:us-east-1:111122223333:task/c/1']
        return {'tasks': [${JSON.stringify(task)}]}
class boto3:
    @staticmethod
    def client(name):
        assert name == 'ecs'
        return _Ecs()
`);
    expect(run({ containers: [{ name: 'runner', exitCode: 0 }], stoppedReason: 'Essential container in task exited' })).toEqual({ ok: { ExitCode: 0, StoppedReason: 'Essential container in task exited' } });
    expect(run({ containers: [{ name: 'sidecar', exitCode: 0 }, { name: 'runner', exitCode: 3 }], stoppedReason: 'Essential container in task exited' }).error)
      .toMatch(/the runner exited 3 \(database: the restore target refused or was unreachable/);
    expect(run({ containers: [{ name: 'runner', exitCode: 2 }] }).error).toMatch(/exited 2 \(configuration: /);
    expect(run({ containers: [{ name: 'runner', exitCode: 4 }] }).error).toMatch(/exited 4 \(storage: /);
    expect(run({ containers: [{ name: 'runner', exitCode: 5 }] }).error).toMatch(/exited 5 \(verification: /);
    expect(run({ containers: [{ name: 'runner' }], stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull access denied' }).error)
      .toMatch(/stopped without the runner exiting \(TaskFailedToStart\): CannotPullContainerError/);
  });

  test('the exit codes the documents explain are the runner\'s', () => {
    const codes = Object.values(EXIT).sort((a, b) => a - b);
    expect(Object.keys(RUNNER_EXIT_MEANINGS).map(Number).sort((a, b) => a - b)).toEqual(codes);
    expect(RUNNER_EXIT_MEANINGS[EXIT.config]).toMatch(/^configuration/);
    expect(RUNNER_EXIT_MEANINGS[EXIT.database]).toMatch(/^database/);
    expect(RUNNER_EXIT_MEANINGS[EXIT.storage]).toMatch(/^storage/);
    expect(RUNNER_EXIT_MEANINGS[EXIT.verification]).toMatch(/^verification/);
  });

  test('the table-restore runbook starts the document with the database and the page\'s values', () => {
    const page = built.runbooks.renderRunbooks().find((f) => f.path.endsWith('billing/table-restore.md'))!.content;
    expect(page).toContain('--document-name database-dr-runner-restore-databases1');
    expect(page).toContain('\\"Database\\":[\\"billing\\"],\\"TargetHost\\":[\\"$TargetHost\\"],\\"TargetPort\\":[\\"$TargetPort\\"],\\"TargetName\\":[\\"$TargetName\\"],'
      + '\\"Tables\\":[\\"$Tables\\"],\\"BackupId\\":[\\"$BackupId\\"],\\"Approvers\\":[\\"$APPROVER\\"]');
    expect(page).toContain('- 3: database: ');
    expect(page.split('\n').find((l) => l.startsWith('aws ecs run-task'))).not.toContain('--target-user');
    // The run-task line by hand starts the restore task (it holds the target's password), not the backup task.
    const restoreTask = Object.entries(primary.findResources('AWS::ECS::TaskDefinition'))
      .find(([, td]) => JSON.stringify(td.Properties.ContainerDefinitions[0].Command) === '["restore"]' && JSON.stringify(td).includes('"mysqldump"'))![0];
    expect(page).toContain(`--logical-resource-id ${restoreTask} `);
    const dr = built.runbooks.renderRunbooks().find((f) => f.path.endsWith('ledger/dr-region.md'))!.content;
    expect(dr).toContain('## Also with SSM Automation: restore ledger\'s logical dump in us-west-2');
    expect(dr).toContain('--document-name database-dr-dr-runner-restore-databases1');
  });
});

describe('a self-managed database with only a dump: its DR-Region runbook restores with the DR restore task', () => {
  test('the run-task line starts the DR stack\'s restore task in the DR cluster and network, the user left to its credentials; the DR runner document is the page\'s', () => {
    const example = JSON.parse(readFileSync(EXAMPLE_PLAN, 'utf8'));
    const shop = {
      name: 'shop', db_type: 'mysql', deployment: 'self-managed', rpo_minutes: 1440, rto_minutes: 240, schedule_cron: 'cron(0 2 * * ? *)', retention_days: 14, size_gb: 20,
      host: { address: 'shop-db.internal.example.com', port: 3306, secret_arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:shop-backup-AbCdEf', user: 'backup', database_names: ['shop'] },
    };
    const built = buildDrApp(new App(), parsePlan({ ...example, databases: [...example.databases, shop] }, 'shop.json'));
    const page = built.runbooks.renderRunbooks().find((f) => f.path.endsWith('shop/dr-region.md'))!.content;
    const runTask = page.split('\n').find((l) => l.startsWith('aws ecs run-task'))!;
    expect(runTask).toContain('aws ecs run-task --region us-west-2 --cluster database-dr-dr-recovery --task-definition "${DR_TASK_DEFINITION_MYSQLDUMP}"');
    expect(runTask).toContain('"securityGroups":["\'"${DR_SECURITY_GROUP_0}"\'"]');
    expect(runTask).toContain('\\"--s3-bucket\\",\\"${REPLICA_BUCKET}\\"');
    expect(runTask).not.toContain('--target-user');
    expect(page).toMatch(/DR_TASK_DEFINITION_MYSQLDUMP=\$\(aws cloudformation describe-stack-resource --region us-west-2 /);
    expect(page).toContain('## With SSM Automation\n\nThe document `database-dr-dr-runner-restore-databases1` (us-west-2)');
    expect(page).not.toContain('## Also with SSM Automation');
  });
});

describe('composing: a runner with restore-target credentials gets a restore task and the runner restore document', () => {
  test('its own restore task (the runner\'s roles, the secret\'s user and password), the document in the runner\'s stack; none without credentials', () => {
    const app = new App();
    const stack = new Stack(app, 'App', { env: { account: '111122223333', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const bucket = new BackupBucket(stack, 'Backups');
    const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/runner:1');
    const dump = (name: string) => BackupRunner.pgDump(stack, `${name}Dump`, {
      database: name, backupBucket: bucket, vpc, host: `${name}.internal`, user: 'backup', passwordSecret: new secretsmanager.Secret(stack, `${name}Password`), image,
    });
    const runbooks = new RecoveryRunbooks(stack, 'Runbooks', { planName: 'shop', image, approvers: ['arn:aws:iam::111122223333:role/oncall'] });
    const target = new secretsmanager.Secret(stack, 'RestoreTarget', { generateSecretString: { secretStringTemplate: '{"username":"restorer"}', generateStringKey: 'password' } });
    runbooks.addDatabase({ name: 'orders', engine: DatabaseEngine.POSTGRES, runners: [dump('orders')], restoreTargetCredentials: target });
    runbooks.addDatabase({ name: 'carts', engine: DatabaseEngine.POSTGRES, runners: [dump('carts')] });
    expect(runbooks.documentNames).toEqual(['shop-runner-restore-app']);
    const t = Template.fromStack(stack);
    const doc = Object.values(t.findResources('AWS::SSM::Document'))[0].Properties.Content as AutomationContent;
    expect(doc.parameters.Database.allowedValues).toEqual(['orders']);
    const restoreTasks = Object.values(t.findResources('AWS::ECS::TaskDefinition')).filter((td) => JSON.stringify(td.Properties.ContainerDefinitions[0].Command) === '["restore"]');
    expect(restoreTasks).toHaveLength(1);
    const container = restoreTasks[0].Properties.ContainerDefinitions[0];
    expect(container.Secrets.map((x: { Name: string }) => x.Name).sort()).toEqual(['RUNNER_TARGET_PASSWORD', 'RUNNER_TARGET_USER']);
    expect(container.Image).toBe('public.ecr.aws/example/runner:1');
    expect(container.Environment).toContainEqual({ Name: 'RUNNER_DATABASE', Value: 'orders' });
    expect(container.Environment).toContainEqual({ Name: 'RUNNER_S3_PREFIX', Value: 'runner' });
    // The runner's own backup role: it reads only the orders folders of the bucket.
    const ordersRunner = stack.node.findChild('ordersDump') as BackupRunner;
    expect(restoreTasks[0].Properties.TaskRoleArn).toEqual(stack.resolve(ordersRunner.backupRole.roleArn));
    const page = runbooks.renderRunbooks().find((f) => f.path === 'runbooks/shop/orders/table-restore.md')!.content;
    expect(page).toContain('--document-name shop-runner-restore-app');
    const carts = runbooks.renderRunbooks().find((f) => f.path === 'runbooks/shop/carts/table-restore.md')!.content;
    expect(carts).not.toContain('## With SSM Automation');
  });
});

describe('SelectDatabase', () => {
  const payload = {
    Database: 'orders', TargetName: 'orders-prod-restore-1',
    Databases: { orders: { Source: 'orders-prod', TargetPattern: 'orders-prod-restore-[a-z0-9](?:[a-z0-9-]{0,39})' }, billing: { Source: 'billing-prod', Engine: 'aurora-mysql' } },
  };
  test('returns the chosen database\'s values; a parameter given overrides; TargetName held to its own restore names', () => {
    expect(runPython(SELECT_DATABASE_SCRIPT, payload)).toEqual({ ok: { Source: 'orders-prod' } });
    expect(runPython(SELECT_DATABASE_SCRIPT, { ...payload, TargetName: 'billing-prod-restore-1' }).error)
      .toMatch(/TargetName billing-prod-restore-1 is not a name database orders may restore to/);
    expect(runPython(SELECT_DATABASE_SCRIPT, { ...payload, TargetName: 'orders-prod' }).error).toMatch(/is not a name database orders may restore to/);
    expect(runPython(SELECT_DATABASE_SCRIPT, { ...payload, Database: 'ledger' }).error).toMatch(/Database ledger is not one of the databases of this document: billing, orders/);
    const given = { ...payload, Database: 'billing', TargetName: 'x', Given: { SourceArn: '', Engine: '' }, Required: ['SourceArn', 'Engine'] };
    expect(runPython(SELECT_DATABASE_SCRIPT, given).error).toMatch(/no SourceArn known for database billing: give it as a parameter/);
    expect(runPython(SELECT_DATABASE_SCRIPT, { ...given, Given: { SourceArn: 'arn:aws:rds:us-east-1:111122223333:cluster:billing-prod', Engine: '' } }))
      .toEqual({ ok: { Source: 'billing-prod', Engine: 'aurora-mysql', SourceArn: 'arn:aws:rds:us-east-1:111122223333:cluster:billing-prod' } });
    expect(runPython(SELECT_DATABASE_SCRIPT, { Database: 'billing', TargetName: 'billing', Databases: { billing: { ForbiddenTargetName: 'billing' } } }).error)
      .toMatch(/TargetName billing is the production database of billing/);
  });
});

describe('documents per stack', () => {
  const example = JSON.parse(readFileSync(EXAMPLE_PLAN, 'utf8'));
  const documentIds = (n: number) => {
    const databases = Array.from({ length: n }, (_, i) => ({ ...example.databases[i % 3], name: i < 3 ? example.databases[i].name : `${example.databases[i % 3].name}${Math.floor(i / 3)}` }));
    const app = new App();
    const built = buildDrApp(app, parsePlan({ ...example, databases }, `fleet-${n}.json`));
    const ids = (s: Stack) => Object.entries(Template.fromStack(s).findResources('AWS::SSM::Document'))
      .map(([id, d]) => `${s.node.path} ${id} ${d.Properties.Name} ${JSON.stringify((d.Properties.Content as AutomationContent).parameters.Database.allowedValues)}`);
    return [...built.databaseStacks, ...built.drDatabaseStacks].flatMap(ids).sort();
  };

  test('a stack\'s databases share its documents; adding a database keeps every document\'s logical id and name (only the Database values grow)', () => {
    const four = documentIds(4);
    const five = documentIds(5);
    // 6 kinds in each Region's first database stack, whatever the number of databases.
    expect(four).toHaveLength(6);
    expect(five.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(four.map((l) => l.split(' ').slice(0, 3).join(' ')));
    expect(four.find((l) => l.includes('point-in-time-instance'))).toContain('["orders","orders1"]');
    expect(five.find((l) => l.includes(' database-dr-runner-restore-databases1 '))).toContain('["billing","ledger","billing1"]');
  });
});

/** Runs `script`'s handler(events, None) with python3; `prelude` defines stand-ins (boto3) first. */
function runPython(script: string, events: unknown, prelude = ''): { ok?: unknown; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ssm-script-'));
  try {
    const file = join(dir, 'run.py');
    const body = script.replace(/^import boto3$/m, '');
    writeFileSync(file, `import json, sys\n${prelude}\n${body}\n\ntry:\n    print(json.dumps({'ok': handler(json.loads(sys.argv[1]), None)}))\nexcept Exception as e:\n    print(json.dumps({'error': str(e)}))\n`);
    const r = spawnSync('python3', [file, JSON.stringify(events)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout.trim()) as { ok?: unknown; error?: string };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
