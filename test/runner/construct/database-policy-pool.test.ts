/**
 * Runner roles of one stack sharing managed policies through a principal tag: a role joins a
 * shared policy only when its templated statements equal the policy's, and the policy evaluated
 * for the role's tag is exactly what the role's own policy granted without sharing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnResource, Stack, Tags, aws_ec2 as ec2, aws_ecs as ecs, aws_iam as iam, aws_s3 as s3, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildDrApp } from '../../../lib/app';
import { ConfigurationError } from '../../../lib/errors';
import { parsePlan } from '../../../lib/plan';
import { BackupRunner } from '../../../lib/runner/backup-runner';
import { DatabasePolicyPool, DatabaseRole, MANAGED_POLICY_MAX_CHARACTERS, RunnerInfrastructure, RunnerRoles } from '../../../lib/runner';
import { evaluateVariable, templateSegments } from '../../../lib/runner/policy-template';
import { BackupBucket } from '../../../lib/storage/backup-bucket';
import { nagFindings } from '../../support/nag';

const image = ecs.ContainerImage.fromAsset(join(__dirname, 'fixtures', 'image'));
const TAG = 'CdkDatabaseDrDatabase';
const VARIABLE = '${aws:PrincipalTag/CdkDatabaseDrDatabase}';

type Kind = 'pg-dump' | 'mysqldump' | 'pgbackrest';

/** A stack whose databases' runners take RunnerRoles (pooled or not): the same construct paths either way. */
function build(databases: Array<[string, Kind]>, pooled: boolean) {
  const app = new App();
  const stack = new Stack(app, 'Db', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const bucket = new BackupBucket(stack, 'Backups');
  const infra = new RunnerInfrastructure(stack, 'Runners', { vpc, taskRolePath: '/db-runners/' });
  const secret = new secretsmanager.Secret(stack, 'Pw');
  const roles: Record<string, RunnerRoles> = {};
  for (const [database, kind] of databases) {
    const r = new RunnerRoles(stack, `${database}-Roles`, {
      database, path: infra.taskRolePath, schedulerRole: infra.schedulerRole, policyPool: pooled ? infra.databasePolicies : undefined,
    });
    roles[database] = r;
    const common = {
      database, backupBucket: bucket, vpc, image, cluster: infra.cluster, encryptionKey: infra.encryptionKey, logGroup: infra.logGroup,
      deadLetterQueue: infra.deadLetterQueue, securityGroups: [infra.securityGroup], executionRole: infra.executionRole,
      backupRole: r.backupRole, expireRole: r.expireRole, schedulerRole: r.schedulerRole,
    };
    if (kind === 'pg-dump') BackupRunner.pgDump(stack, `${database}-Dump`, { ...common, host: `${database}.internal`, passwordSecret: secret });
    else if (kind === 'mysqldump') BackupRunner.mysqlDump(stack, `${database}-Dump`, { ...common, host: `${database}.internal`, passwordSecret: secret });
    else {
      BackupRunner.pgBackRest(stack, `${database}-Pg`, {
        ...common, stanza: database, databaseHost: { address: `${database}.internal`, pgPath: '/var/lib/postgresql/15/main' },
        cipherPassphrase: new secretsmanager.Secret(stack, `${database}-Cipher`), tlsIdentity: new secretsmanager.Secret(stack, `${database}-Tls`),
      });
    }
  }
  return { app, stack, infra, roles, bucket, template: Template.fromStack(stack).toJSON() };
}

/** The managed policies attached to a role (by logical id), in template order. */
function policiesOf(template: any, roleId: string): Array<[string, any]> {
  return Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy'
    && (r.Properties.Roles ?? []).some((x: any) => x.Ref === roleId));
}

/** What IAM grants the role: its policies' statements with the principal-tag variable evaluated for the role's tag. */
function effectiveStatements(template: any, roleId: string): unknown[] {
  const tag = (template.Resources[roleId].Properties.Tags ?? []).find((t: any) => t.Key === TAG)?.Value;
  return policiesOf(template, roleId).flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
    .map((st) => (tag === undefined ? st : evaluateVariable(st, VARIABLE, tag)));
}

const roleIds = (stack: Stack, r: RunnerRoles) => [r.backupRole, r.expireRole].map((role) => stack.getLogicalId(role.node.defaultChild as iam.CfnRole));

describe('DatabasePolicyPool: runner roles of one stack share a policy per kind of role', () => {
  const databases: Array<[string, Kind]> = [['orders', 'pg-dump'], ['billing', 'mysqldump'], ['ledger', 'pgbackrest'], ['shop', 'pg-dump'], ['stock', 'pgbackrest'], ['backup', 'pgbackrest']];
  const pooled = build(databases, true);
  const own = build(databases, false);

  test('each role\'s effective permissions are exactly those of its own policy without sharing', () => {
    let compared = 0;
    for (const [database] of databases) {
      for (const id of roleIds(pooled.stack, pooled.roles[database])) {
        const mine = effectiveStatements(own.template, id);
        expect(mine.length).toBeGreaterThan(3);
        expect(effectiveStatements(pooled.template, id)).toEqual(mine);
        compared++;
      }
    }
    expect(compared).toBe(12);
  });

  test('one policy per distinct templated document: dumps of the same tool share, pgBackRest runners share, a database named "backup" shares with nobody', () => {
    const shared = Object.entries<any>(pooled.template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(r).includes(VARIABLE));
    const rolesOf = (database: string) => roleIds(pooled.stack, pooled.roles[database]);
    const holders = (id: string) => policiesOf(pooled.template, id).map(([pid]) => pid);
    // backup + expire of: pg-dump (orders, shop), mysqldump (billing), pgBackRest (ledger, stock), and "backup" alone.
    expect(shared).toHaveLength(8);
    for (const [a, b] of [['orders', 'shop'], ['ledger', 'stock']]) {
      rolesOf(a).forEach((id, i) => expect(holders(id)).toEqual(holders(rolesOf(b)[i])));
    }
    for (const id of rolesOf('backup')) {
      const [[, policy]] = policiesOf(pooled.template, id);
      expect(policy.Properties.Roles).toEqual([{ Ref: id }]);
      // The fixed folder "backup" and the database's name are both templated, which only this role's tag gives back.
      expect(JSON.stringify(policy)).toContain(`/pgbackrest/${VARIABLE}/${VARIABLE}/*`);
    }
    expect(holders(rolesOf('ledger')[0])).not.toEqual(holders(rolesOf('backup')[0]));
    // No role keeps a policy of its own, and each carries its database as its tag.
    for (const [database] of databases) {
      for (const id of rolesOf(database)) {
        expect(pooled.template.Resources[id].Properties.Tags).toEqual(expect.arrayContaining([{ Key: TAG, Value: database }]));
        expect(holders(id)).toHaveLength(1);
      }
    }
    const perRole = Object.keys(own.template.Resources).filter((id) => own.template.Resources[id].Type === 'AWS::IAM::ManagedPolicy').length;
    const sharedCount = Object.keys(pooled.template.Resources).filter((id) => pooled.template.Resources[id].Type === 'AWS::IAM::ManagedPolicy').length;
    expect(perRole - sharedCount).toBe(12 - 8);
  });

  test('a role reaches no other database\'s folder: its shared policy evaluated for its tag names only its own', () => {
    const bucketArn = JSON.stringify(pooled.stack.resolve(pooled.bucket.bucket.bucketArn));
    for (const [database] of databases) {
      for (const id of roleIds(pooled.stack, pooled.roles[database])) {
        const keys = effectiveStatements(pooled.template, id).flatMap((st: any) => [].concat(st.Resource))
          .map((r: any) => r?.['Fn::Join']?.[1]).filter((parts: any) => parts && JSON.stringify(parts[0]) === bucketArn).map((parts: any) => parts[1] as string);
        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) {
          const segments = key.split('/');
          expect(segments).toContain(database);
          for (const [other] of databases) if (other !== database && other !== 'backup') expect(segments).not.toContain(other);
        }
      }
    }
  });

  test('the stack has no unacknowledged compliance finding: the wildcard acknowledgements moved to the shared policies, templated', () => {
    const fixtures = /— Db\/(Vpc|Backups|Pw|\w+-Cipher|\w+-Tls)\//;
    expect(nagFindings(pooled.stack).filter((x) => !fixtures.test(x))).toEqual([]);
  });
});

describe('DatabasePolicyPool: stable, exact, refused when unsafe', () => {
  test('adding a database keeps every shared policy\'s logical id and only adds the new roles to them', () => {
    const before = build([['orders', 'pg-dump'], ['ledger', 'pgbackrest']], true).template;
    const after = build([['orders', 'pg-dump'], ['ledger', 'pgbackrest'], ['shop', 'pg-dump']], true).template;
    const policies = (t: any) => Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::IAM::ManagedPolicy').sort();
    expect(policies(after)).toEqual(policies(before));
    for (const id of policies(before)) {
      expect(after.Resources[id].Properties.PolicyDocument).toEqual(before.Resources[id].Properties.PolicyDocument);
    }
    const grown = policies(after).filter((id) => (after.Resources[id].Properties.Roles ?? []).length > (before.Resources[id].Properties.Roles ?? []).length);
    expect(grown).toHaveLength(2);
  });

  test('templating replaces whole path segments only', () => {
    expect(templateSegments('runner/orders/pg-dump/*', 'orders', 'V')).toBe('runner/V/pg-dump/*');
    expect(templateSegments('orders', 'orders', 'V')).toBe('V');
    expect(templateSegments('runner/orders2/x', 'orders', 'V')).toBe('runner/orders2/x');
    expect(templateSegments('arn:aws:secretsmanager:eu-west-1:1:secret:orders-AbC', 'orders', 'V')).toBe('arn:aws:secretsmanager:eu-west-1:1:secret:orders-AbC');
    expect(templateSegments('${Token[TOKEN.12]}/orders/*', 'orders', 'V')).toBe('${Token[TOKEN.12]}/V/*');
  });

  test('a document over IAM\'s size limit is split into parts deterministically, each under the limit, still exact', () => {
    const make = () => {
      const app = new App();
      const stack = new Stack(app, 'S');
      const pool = new DatabasePolicyPool(stack, 'Pool');
      const bucket = s3.Bucket.fromBucketName(stack, 'B', 'a-bucket-with-a-rather-long-name-for-backups');
      const roles = ['orders', 'billing'].map((database) => {
        const role = new DatabaseRole(stack, `${database}Role`, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), database, policyPool: pool });
        for (let i = 0; i < 60; i++) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`folder-${i}/${database}/objects/*`)] }));
        return role;
      });
      return { stack, pool, roles, template: Template.fromStack(stack).toJSON() };
    };
    const a = make();
    const b = make();
    const ids = (t: any) => Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::IAM::ManagedPolicy');
    expect(ids(a.template).length).toBeGreaterThan(1);
    expect(ids(a.template)).toEqual(ids(b.template));
    for (const id of ids(a.template)) {
      expect(JSON.stringify(a.template.Resources[id].Properties.PolicyDocument).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
      expect(a.template.Resources[id].Properties.Roles).toHaveLength(2);
    }
    const orders = a.stack.getLogicalId(a.roles[0].node.defaultChild as iam.CfnRole);
    const granted = effectiveStatements(a.template, orders).map((st: any) => JSON.stringify(st.Resource));
    expect(granted).toHaveLength(60);
    expect(granted.every((r) => r.includes('/orders/objects/*') && !r.includes('billing'))).toBe(true);
  });

  test('a name that cannot be a tag value is not templated (no tag, its own document); a statement already holding the variable is refused', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const pool = new DatabasePolicyPool(stack, 'Pool');
    const roles = ['eu/orders', 'us/orders'].map((database, i) => {
      const role = new DatabaseRole(stack, `Role${i}`, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), database, policyPool: pool });
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::b/${database}/*`] }));
      return role;
    });
    const t = Template.fromStack(stack).toJSON();
    expect(roles.map((r) => r.templatable)).toEqual([false, false]);
    roles.forEach((role, i) => {
      const id = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
      expect(t.Resources[id].Properties.Tags).toBeUndefined();
      expect(policiesOf(t, id).map(([, p]) => p.Properties.PolicyDocument.Statement[0].Resource)).toEqual([`arn:aws:s3:::b/${['eu/orders', 'us/orders'][i]}/*`]);
    });

    const app2 = new App();
    const stack2 = new Stack(app2, 'S');
    const pool2 = new DatabasePolicyPool(stack2, 'Pool');
    const role = new DatabaseRole(stack2, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), database: 'orders', policyPool: pool2 });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::b/${VARIABLE}/*`] }));
    expect(() => app2.synth()).toThrow(/S\/Role: a statement already holds \$\{aws:PrincipalTag\/CdkDatabaseDrDatabase\}/);
  });

  test('what depends on a statement\'s policyDependable waits for the shared policies', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const pool = new DatabasePolicyPool(stack, 'Pool');
    const role = new DatabaseRole(stack, 'OrdersRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), database: 'orders', policyPool: pool });
    const result = role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/orders/*'] }));
    expect(result.statementAdded).toBe(true);
    const waiter = new CfnResource(stack, 'Waiter', { type: 'AWS::SQS::Queue' });
    waiter.node.addDependency(result.policyDependable!);
    const t = Template.fromStack(stack).toJSON();
    expect(t.Resources.Waiter.DependsOn).toEqual([stack.getLogicalId(pool.policies[0].node.defaultChild as iam.CfnManagedPolicy)]);
  });

  test('a tag that would change the role\'s database, or a trust policy allowing session tags, fails synthesis by name', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const pool = new DatabasePolicyPool(stack, 'Pool');
    const role = new DatabaseRole(stack, 'OrdersRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), database: 'orders', policyPool: pool });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/orders/*'] }));
    Tags.of(stack).add(TAG, 'billing', { priority: 20000 });
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({ actions: ['sts:TagSession'], principals: [new iam.ServicePrincipal('ecs-tasks.amazonaws.com')] }));
    expect(() => app.synth()).toThrow(/S\/OrdersRole: its tag CdkDatabaseDrDatabase must be "orders" for the shared policies, got "billing"[\s\S]*S\/OrdersRole: its trust policy allows sts:TagSession/);
  });

  test('a statement added after the shared policies were built, or a bad tag key, is refused with a ConfigurationError', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    expect(() => new DatabasePolicyPool(stack, 'Bad', { tagKey: 'aws:db' })).toThrow(/tagKey: .*got "aws:db"/);
    const pool = new DatabasePolicyPool(stack, 'Pool');
    const other = new Stack(app, 'Other');
    expect(() => new DatabaseRole(other, 'R', { assumedBy: new iam.AccountRootPrincipal(), database: 'x', policyPool: pool }))
      .toThrow(/policyPool: must be in the role's stack Other/);
    const role = new DatabaseRole(stack, 'OrdersRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), database: 'orders', policyPool: pool });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/orders/*'] }));
    app.synth();
    expect(pool.policies).toHaveLength(1);
    expect(() => role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/orders/*'] })))
      .toThrow(ConfigurationError);
  });
});

describe('DatabasePolicyPool in the DR app', () => {
  const example = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'backup-plan.json'), 'utf8'));
  const grownPlan = { ...example, databases: [...example.databases, ...example.databases.slice(1).map((d: any) => ({ ...d, name: `${d.name}2` }))] };
  const before = buildDrApp(new App(), parsePlan(example, 'example.json'));
  const after = buildDrApp(new App(), parsePlan(grownPlan, 'grown.json'));
  const t0 = Template.fromStack(before.databaseStacks[0]).toJSON();
  const t1 = Template.fromStack(after.databaseStacks[0]).toJSON();
  const policies = (t: any) => Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::IAM::ManagedPolicy').sort();

  test('databases added at the end of the plan join the shared policies: every existing policy keeps its logical id, none is added for them', () => {
    expect(after.databaseStacks).toHaveLength(1);
    expect(policies(t0).filter((id) => !policies(t1).includes(id))).toEqual([]);
    // Only the new pgBackRest database's host policy (for its database host, not a role of ours) is new.
    expect(policies(t1).filter((id) => !policies(t0).includes(id))).toEqual([expect.stringMatching(/^ledger2PgBackRestDatabaseHostPolicy/)]);
    const shared = policies(t1).filter((id) => id.startsWith('RunnersDatabasePolicies'));
    expect(shared).toHaveLength(5);
    for (const id of shared) expect(t1.Resources[id].Properties.PolicyDocument).toEqual(t0.Resources[id].Properties.PolicyDocument);
    // billing2's backup and expire roles and ledger2's backup, expire and drill roles joined the existing policies.
    expect(shared.reduce((n, id) => n + t1.Resources[id].Properties.Roles.length - t0.Resources[id].Properties.Roles.length, 0)).toBe(5);
  });

  test('every runner and drill role of the app reaches only its own database\'s folders and baseline', () => {
    const names = after.plan.databases.map((d) => d.name);
    const roles = Object.entries<any>(t1.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role' && (r.Properties.Tags ?? []).some((x: any) => x.Key === TAG));
    expect(roles).toHaveLength(10);
    for (const [id, role] of roles) {
      const database = role.Properties.Tags.find((x: any) => x.Key === TAG).Value;
      expect(id.startsWith(database)).toBe(true);
      const text = JSON.stringify(effectiveStatements(t1, id));
      expect(text).not.toContain('${');
      expect(text).toContain(`/${database}/`);
      for (const other of names.filter((n) => n !== database)) expect(text).not.toMatch(new RegExp(`[/"]${other}[/"]`));
    }
  });
});
