/**
 * The plan's `dr_network` (schema, normalization, its check, reported by JSON path) and the DR app
 * it drives: restore tasks, restore tests of the DR vault's copies, and what is said when the DR
 * Region cannot be set up for a recovery.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { templateWithNested } from '../support/templates';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildDrApp } from '../../lib/app';
import { formatFeasibilityTable, parsePlan } from '../../lib/plan';
import { nagFindings } from '../support/nag';
import { planProblems } from '../support/plan-problems';

const EXAMPLE = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'backup-plan.json'), 'utf8'));
const YEAR = { scheduleFromYear: 2028 };

const problemsOf = planProblems;

describe('dr_network in the plan', () => {
  test('is normalized to drNetwork next to network', () => {
    const plan = parsePlan(JSON.stringify(EXAMPLE), 'example.json', YEAR);
    expect(plan.drNetwork).toEqual({
      vpcId: 'vpc-0b2c3d4e5f6071829', availabilityZones: ['us-west-2a', 'us-west-2b'], privateSubnetIds: ['subnet-0b2c3d4e5f6071829', 'subnet-0e1d2c3b4a5968778'],
    });
    const { dr_network: _omitted, ...without } = EXAMPLE;
    expect(parsePlan(JSON.stringify(without), 'example.json', YEAR).drNetwork).toBeUndefined();
  });

  test('bad ids, a missing field, zones outside dr_region and the primary VPC are all named by path, at once', () => {
    expect(problemsOf({ ...EXAMPLE, dr_network: { vpc_id: 'my-vpc', availability_zones: ['us-west-2a'], private_subnet_ids: ['subnet-1'] } })).toEqual([
      expect.stringMatching(/^dr_network\.vpc_id: .*"my-vpc"/),
      expect.stringMatching(/^dr_network\.private_subnet_ids\[0\]: .*"subnet-1"/),
    ]);
    expect(problemsOf({ ...EXAMPLE, dr_network: { vpc_id: 'vpc-0b2c3d4e5f6071829', availability_zones: ['us-west-2a'] } }))
      .toEqual([expect.stringMatching(/^dr_network.*private_subnet_ids/)]);
    expect(problemsOf({
      ...EXAMPLE,
      dr_network: { vpc_id: EXAMPLE.network.vpc_id, availability_zones: ['us-east-1a', 'us-west-2b'], private_subnet_ids: ['subnet-0b2c3d4e5f6071829'] },
    })).toEqual([
      'dr_network.private_subnet_ids: 1 subnet(s) for 2 availability zone(s); give one subnet per zone, in the same order',
      'dr_network.availability_zones: ["us-east-1a","us-west-2b"] must all be in dr_region "us-west-2"',
      `dr_network.vpc_id: "${EXAMPLE.network.vpc_id}" is network.vpc_id, the primary Region's VPC; give the VPC in dr_region "us-west-2"`,
    ]);
  });
});

describe('the DR app of examples/backup-plan.json can recover in the DR Region', () => {
  const built = buildDrApp(new App(), parsePlan(JSON.stringify(EXAMPLE), 'example.json', YEAR));
  const dr = templateWithNested(built.dr);

  test('restore tasks for the logical dumps (billing mysqldump, ledger pg-dump) reading the replica bucket, in the DR cluster', () => {
    expect(built.dr.recovery.restoreTasks.map((t) => `${t.database}:${t.engine}`).sort()).toEqual(['billing:mysqldump', 'ledger:pg-dump']);
    dr.resourceCountIs('AWS::ECS::TaskDefinition', 2);
    dr.resourceCountIs('AWS::ECS::Cluster', 1);
    dr.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Command: ['restore'],
        // In the nested database stack of the DR stack, the replica bucket arrives as a parameter.
        Environment: Match.arrayWith([{ Name: 'RUNNER_S3_BUCKET', Value: { Ref: Match.stringLikeRegexp('ReplicaBucket') } }, { Name: 'RUNNER_S3_PREFIX', Value: 'runner' }]),
      })],
    });
    // Names a runbook can type: the plan's name, per Region.
    dr.hasResourceProperties('AWS::ECS::Cluster', { ClusterName: 'database-dr-dr-recovery' });
    expect(built.dr.recoveryClusterName).toBe('database-dr-dr-recovery');
    expect(built.dr.recovery.restoreTaskOf('ledger')?.taskDefinition.family).toBe('database-dr-dr-restore-ledger');
    dr.hasResourceProperties('AWS::ECS::TaskDefinition', { Family: 'database-dr-dr-restore-billing' });
  });

  test('restore tests over the DR vault for the AWS Backup databases (orders RDS, billing Aurora), in the DR network', () => {
    dr.resourceCountIs('AWS::Backup::RestoreTestingPlan', 1);
    dr.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
      ProtectedResourceType: 'RDS', ProtectedResourceArns: ['arn:aws:rds:us-east-1:111122223333:db:orders-prod'],
      RestoreMetadataOverrides: Match.objectLike({ dbSubnetGroupName: Match.anyValue() }),
    });
    dr.hasResourceProperties('AWS::Backup::RestoreTestingSelection', { ProtectedResourceType: 'Aurora' });
    dr.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: ['subnet-0b2c3d4e5f6071829', 'subnet-0e1d2c3b4a5968778'] });
    dr.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'database-dr-DrVault-RDS-restore-job-failed-critical' });
  });

  test('the physical pgBackRest tier of ledger is said to restore on a DR database host, in the warnings the app prints', () => {
    const expected = expect.stringMatching(/^ledger: no DR restore task for its pgbackrest backups: a physical restore runs on a database host in the DR Region/);
    expect(built.dr.recovery.unavailable).toEqual([expected]);
    expect(built.assessment.warnings).toEqual(expect.arrayContaining([expected]));
    expect(formatFeasibilityTable(built.assessment)).toMatch(/Warnings:[\s\S]*ledger: no DR restore task for its pgbackrest backups/);
  });

  test('the pgBackRest repository cipher passphrase is replicated to the DR Region under the replica bucket\'s key (the replica is unreadable without it)', () => {
    expect(built.dr.recovery.unavailable[0]).toMatch(/cipher passphrase from its Secrets Manager replica in the DR Region/);
    // ledger's secret lives in its database stack (nested in the primary stack), which receives the DR key's ARN as a parameter.
    const secrets = Object.assign({}, ...[built.primary, ...built.databaseStacks].map((s) => Template.fromStack(s).findResources('AWS::SecretsManager::Secret', {
      Properties: { Description: Match.stringLikeRegexp('pgBackRest repository cipher passphrase of ledger') } })));
    const [secret] = Object.values(secrets) as any[];
    // The DR replica bucket key's ARN, read by the primary stack's exports reader and passed to the nested stack as a parameter.
    expect(secret.Properties.ReplicaRegions).toEqual([{ Region: 'us-west-2', KmsKeyId: { Ref: expect.stringMatching(/^referenceto.*ExportsReader.*ReplicaBucketKey.*Arn/) } }]);
  });

  test('the DR stack exposes what a runbook reads, as properties and outputs', () => {
    expect(built.dr.recoveryRoleArn).toBe(built.dr.recovery.recoveryRole.roleArn);
    expect(built.dr.restoreTestingPlanName).toBe(built.dr.recovery.restoreTestingPlanName);
    const outputs = Object.keys(dr.toJSON().Outputs);
    for (const name of ['RecoveryRoleArn', 'RestoreServiceRoleArn', 'DatabaseHostInstanceProfileName', 'RestoreTestingPlanName', 'ClusterName', 'ledgerRestoreTaskDefinitionArn', 'billingRestoreTaskDefinitionArn', 'DrVaultName', 'ReplicaBucketName']) {
      expect(outputs).toEqual(expect.arrayContaining([expect.stringContaining(name)]));
    }
  });
});

describe('a plan without dr_network', () => {
  const { dr_network: _omitted, ...plan } = EXAMPLE;
  const built = buildDrApp(new App(), parsePlan(JSON.stringify(plan), 'example.json', YEAR));
  const dr = templateWithNested(built.dr);

  test('still gets the roles, restore tasks and restore tests; no cluster; the warnings say what is missing and why', () => {
    dr.resourceCountIs('AWS::ECS::TaskDefinition', 2);
    dr.resourceCountIs('AWS::Backup::RestoreTestingSelection', 2);
    dr.resourceCountIs('AWS::ECS::Cluster', 0);
    dr.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    const warning = /no VPC in the DR Region \(the plan has no dr_network\): no ECS cluster, security groups or DB subnet group/;
    expect(built.assessment.warnings).toEqual(expect.arrayContaining([expect.stringMatching(warning)]));
    expect(formatFeasibilityTable(built.assessment)).toMatch(warning);
    Annotations.fromStack(built.dr).hasWarning('/CdkDatabaseDr-Dr/Recovery', Match.stringLikeRegexp('the plan has no dr_network'));
  });

  test('the DR stack has no unacknowledged finding in the four packs', () => {
    (built.dr.node.root as App).synth();
    expect(nagFindings(built.dr)).toEqual([]);
  });
});
