/**
 * The SSM Automation document of point-in-time recovery of a stack's RDS instances (or Aurora
 * clusters): restore the chosen Database's source to a new instance or cluster at the target time
 * (or the latest restorable time), wait until it is available, and output its endpoint. Production
 * is never modified: the target name must start with `<source>-restore-`, and so must every
 * resource the role may create.
 */
import { ArnFormat, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { DatabaseResourceKind } from '../protection/protected-database';
import { AutomationContent, AutomationStep } from './automation-content';
import {
  approvalStep, approversParameter, assumeRoleParameter, databaseParameter, instanceAvailableSteps, selectDatabaseStep, targetNameParameter, targetNamePattern,
  targetTimeParameter,
} from './document-parts';

/** One database of a point-in-time document. */
export interface PointInTimeDocumentSpec {
  /** The database's name in the plan. */
  readonly database: string;
  readonly kind: DatabaseResourceKind;
  /** DB instance or cluster identifier of production. */
  readonly sourceIdentifier: string;
  /** The step timeout of each wait, seconds (from the feasibility model's estimate). */
  readonly waitSeconds: number;
  /** Default approvers (none: the parameter is required). */
  readonly approvers: string[];
}

/** The prefix every restored identifier starts with. */
export function restorePrefix(sourceIdentifier: string): string {
  return `${sourceIdentifier}-restore-`;
}

/** Characters left for the suffix of a restored identifier (at most 40); below 1 the source's name is too long. */
export function restoreSuffixRoom(sourceIdentifier: string, kind: DatabaseResourceKind): number {
  return Math.min(40, 63 - restorePrefix(sourceIdentifier).length - (kind === DatabaseResourceKind.AURORA_CLUSTER ? 2 : 0));
}

/** Identifiers are at most 63 characters; an Aurora writer instance adds `-1` to the cluster's. */
function maxSuffix(spec: PointInTimeDocumentSpec): number {
  if (Token.isUnresolved(spec.sourceIdentifier)) return 20;
  return restoreSuffixRoom(spec.sourceIdentifier, spec.kind);
}

/** The pattern of the names a database's point-in-time restores may take. */
export function pointInTimeTargetPattern(spec: PointInTimeDocumentSpec): string {
  return targetNamePattern(restorePrefix(spec.sourceIdentifier), maxSuffix(spec));
}

/** The content of the document of `specs` (one stack's databases of one kind, in the order added). */
export function pointInTimeContent(specs: PointInTimeDocumentSpec[], roleArn: string): AutomationContent {
  const spec = specs[0];
  const cluster = spec.kind === DatabaseResourceKind.AURORA_CLUSTER;
  const source = '{{ SelectDatabase.Source }}';
  const waitSeconds = Math.max(...specs.map((s) => s.waitSeconds));
  const tags = [
    { Key: 'cdk-database-dr:restored-from', Value: source },
    { Key: 'cdk-database-dr:automation-execution', Value: '{{ automation:EXECUTION_ID }}' },
  ];
  const restore = (name: string, latest: boolean): AutomationStep => ({
    name,
    action: 'aws:executeAwsApi',
    description: latest ? 'Restores to the latest restorable time.' : 'Restores to TargetTime.',
    onFailure: 'Abort',
    nextStep: cluster ? 'WaitCluster' : 'WaitInstance',
    inputs: cluster ? {
      Service: 'rds', Api: 'RestoreDBClusterToPointInTime',
      SourceDBClusterIdentifier: source, DBClusterIdentifier: '{{ TargetName }}',
      ...(latest ? { UseLatestRestorableTime: true } : { RestoreToTime: '{{ TargetTime }}' }),
      DBSubnetGroupName: '{{ DescribeSource.SubnetGroup }}', VpcSecurityGroupIds: '{{ DescribeSource.SecurityGroups }}', Tags: tags,
    } : {
      Service: 'rds', Api: 'RestoreDBInstanceToPointInTime',
      SourceDBInstanceIdentifier: source, TargetDBInstanceIdentifier: '{{ TargetName }}',
      ...(latest ? { UseLatestRestorableTime: true } : { RestoreTime: '{{ TargetTime }}' }),
      DBSubnetGroupName: '{{ DescribeSource.SubnetGroup }}', VpcSecurityGroupIds: '{{ DescribeSource.SecurityGroups }}', Tags: tags,
    },
  });
  const waitInstance = (name: string, identifier: string) => instanceAvailableSteps(name, `${name}Available`, identifier, waitSeconds);
  const describeSource: AutomationStep = cluster ? {
    name: 'DescribeSource', action: 'aws:executeAwsApi', onFailure: 'Abort',
    description: `Reads production's subnet group, security groups and engine, so the restored cluster sits beside it.`,
    inputs: { Service: 'rds', Api: 'DescribeDBClusters', DBClusterIdentifier: source },
    outputs: [
      { Name: 'SubnetGroup', Selector: '$.DBClusters[0].DBSubnetGroup', Type: 'String' },
      { Name: 'SecurityGroups', Selector: '$.DBClusters[0].VpcSecurityGroups..VpcSecurityGroupId', Type: 'StringList' },
      { Name: 'Engine', Selector: '$.DBClusters[0].Engine', Type: 'String' },
      { Name: 'LatestRestorableTime', Selector: '$.DBClusters[0].LatestRestorableTime', Type: 'String' },
    ],
  } : {
    name: 'DescribeSource', action: 'aws:executeAwsApi', onFailure: 'Abort',
    description: `Reads production's subnet group and security groups, so the restored instance sits beside it.`,
    inputs: { Service: 'rds', Api: 'DescribeDBInstances', DBInstanceIdentifier: source },
    outputs: [
      { Name: 'SubnetGroup', Selector: '$.DBInstances[0].DBSubnetGroup.DBSubnetGroupName', Type: 'String' },
      { Name: 'SecurityGroups', Selector: '$.DBInstances[0].VpcSecurityGroups..VpcSecurityGroupId', Type: 'StringList' },
      { Name: 'LatestRestorableTime', Selector: '$.DBInstances[0].LatestRestorableTime', Type: 'String' },
    ],
  };
  const select = selectDatabaseStep({
    databases: Object.fromEntries(specs.map((s) => [s.database, { Source: s.sourceIdentifier, TargetPattern: pointInTimeTargetPattern(s) }])),
    outputs: [{ name: 'Source', type: 'String' }],
  });
  const steps: AutomationStep[] = [select, describeSource];
  if (cluster) {
    steps.push({
      name: 'DescribeWriter', action: 'aws:executeAwsApi', onFailure: 'Abort',
      description: `Reads the instance class of production's instances, for the restored cluster's writer.`,
      inputs: { Service: 'rds', Api: 'DescribeDBInstances', Filters: [{ Name: 'db-cluster-id', Values: [source] }] },
      outputs: [{ Name: 'InstanceClass', Selector: '$.DBInstances[0].DBInstanceClass', Type: 'String' }],
    });
  }
  steps.push(
    approvalStep('Approve', `Restore {{ Database }} (${source}) to {{ TargetTime }} as {{ TargetName }}? Production is not changed; the application is redirected by hand after the checks in the runbook.`,
      'the restore starts a new, billed instance from production\'s backups'),
    {
      name: 'ChooseTime', action: 'aws:branch',
      inputs: { Choices: [{ NextStep: 'RestoreLatest', Variable: '{{ TargetTime }}', StringEquals: 'latest' }], Default: 'RestoreToTime' },
    },
    restore('RestoreToTime', false),
    restore('RestoreLatest', true),
  );
  if (cluster) {
    steps.push(
      {
        name: 'WaitCluster', action: 'aws:waitForAwsResourceProperty', timeoutSeconds: waitSeconds, onFailure: 'Abort',
        inputs: {
          Service: 'rds', Api: 'DescribeDBClusters', DBClusterIdentifier: '{{ TargetName }}', PropertySelector: '$.DBClusters[0].Status',
          DesiredValues: ['available', 'failed', 'inaccessible-encryption-credentials', 'incompatible-restore'],
        },
      },
      {
        name: 'WaitClusterAvailable', action: 'aws:assertAwsResourceProperty', onFailure: 'Abort',
        inputs: { Service: 'rds', Api: 'DescribeDBClusters', DBClusterIdentifier: '{{ TargetName }}', PropertySelector: '$.DBClusters[0].Status', DesiredValues: ['available'] },
      },
      {
        name: 'CreateWriter', action: 'aws:executeAwsApi', onFailure: 'Abort',
        description: 'A restored Aurora cluster has no instance: creates its writer.',
        inputs: {
          Service: 'rds', Api: 'CreateDBInstance', DBInstanceIdentifier: '{{ TargetName }}-1', DBClusterIdentifier: '{{ TargetName }}',
          Engine: '{{ DescribeSource.Engine }}', DBInstanceClass: '{{ DescribeWriter.InstanceClass }}', Tags: tags,
        },
      },
      ...waitInstance('WaitWriter', '{{ TargetName }}-1'),
      {
        name: 'DescribeRestored', action: 'aws:executeAwsApi', isEnd: true,
        inputs: { Service: 'rds', Api: 'DescribeDBClusters', DBClusterIdentifier: '{{ TargetName }}' },
        outputs: [
          { Name: 'Endpoint', Selector: '$.DBClusters[0].Endpoint', Type: 'String' },
          { Name: 'Arn', Selector: '$.DBClusters[0].DBClusterArn', Type: 'String' },
        ],
      },
    );
  } else {
    steps.push(
      ...waitInstance('WaitInstance', '{{ TargetName }}'),
      {
        name: 'DescribeRestored', action: 'aws:executeAwsApi', isEnd: true,
        inputs: { Service: 'rds', Api: 'DescribeDBInstances', DBInstanceIdentifier: '{{ TargetName }}' },
        outputs: [
          { Name: 'Endpoint', Selector: '$.DBInstances[0].Endpoint.Address', Type: 'String' },
          { Name: 'Arn', Selector: '$.DBInstances[0].DBInstanceArn', Type: 'String' },
        ],
      },
    );
  }
  return {
    schemaVersion: '0.3',
    description: `cdk-database-dr: point-in-time recovery of Database (the ${cluster ? 'Aurora cluster' : 'RDS instance'} of ${specs.map((s) => s.database).join(', ')}) to a new ${cluster ? 'cluster' : 'instance'} named by TargetName, at TargetTime. Production is not modified.`,
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      AutomationAssumeRole: assumeRoleParameter(roleArn),
      Approvers: approversParameter(spec.approvers),
      Database: databaseParameter(specs.map((s) => s.database)),
      TargetTime: targetTimeParameter('The time to recover to'),
      TargetName: targetNameParameter(`Identifier of the new ${cluster ? 'cluster' : 'instance'}`,
        specs.map((s) => restorePrefix(s.sourceIdentifier)), specs.map(pointInTimeTargetPattern)),
    },
    mainSteps: steps,
    outputs: ['DescribeRestored.Endpoint', 'DescribeRestored.Arn'],
  };
}

/** What the document's role may do for one database: restore from production into `<source>-restore-*`, nothing else. */
export function pointInTimeStatements(scope: Stack, spec: PointInTimeDocumentSpec): iam.PolicyStatement[] {
  const arn = (resource: string, resourceName: string) => scope.formatArn({ service: 'rds', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const source = spec.sourceIdentifier;
  const prefix = `${restorePrefix(source)}*`;
  const kms = new iam.PolicyStatement({
    sid: 'UseDatabaseKeyThroughRds',
    actions: ['kms:CreateGrant', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: { StringEquals: { 'kms:ViaService': `rds.${scope.region}.amazonaws.com` } },
  });
  if (spec.kind === DatabaseResourceKind.AURORA_CLUSTER) {
    return [
      new iam.PolicyStatement({ sid: 'DescribeClusters', actions: ['rds:DescribeDBClusters'], resources: [arn('cluster', source), arn('cluster', prefix)] }),
      new iam.PolicyStatement({ sid: 'DescribeInstances', actions: ['rds:DescribeDBInstances'], resources: [arn('db', '*')] }),
      new iam.PolicyStatement({
        sid: 'RestoreCluster', actions: ['rds:RestoreDBClusterToPointInTime'],
        resources: [arn('cluster', source), arn('cluster', prefix), arn('subgrp', '*'), arn('cluster-pg', '*'), arn('og', '*')],
      }),
      new iam.PolicyStatement({
        sid: 'CreateWriter', actions: ['rds:CreateDBInstance'],
        resources: [arn('db', prefix), arn('cluster', prefix), arn('subgrp', '*'), arn('pg', '*'), arn('og', '*')],
      }),
      new iam.PolicyStatement({ sid: 'TagRestored', actions: ['rds:AddTagsToResource'], resources: [arn('cluster', prefix), arn('db', prefix)] }),
      kms,
    ];
  }
  return [
    new iam.PolicyStatement({ sid: 'DescribeInstances', actions: ['rds:DescribeDBInstances'], resources: [arn('db', source), arn('db', prefix)] }),
    new iam.PolicyStatement({
      sid: 'RestoreInstance', actions: ['rds:RestoreDBInstanceToPointInTime'],
      resources: [arn('db', source), arn('db', prefix), arn('subgrp', '*'), arn('pg', '*'), arn('og', '*')],
    }),
    new iam.PolicyStatement({ sid: 'TagRestored', actions: ['rds:AddTagsToResource'], resources: [arn('db', prefix)] }),
    kms,
  ];
}
