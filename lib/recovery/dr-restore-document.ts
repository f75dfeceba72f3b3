/**
 * The SSM Automation document of a full recovery in the DR Region from the DR vault's copy, shared
 * by the databases of one stack (of one kind): find the newest completed copy of the chosen
 * Database created at or before the target time, wait for
 * approval, start an AWS Backup restore job into a new instance or cluster named by TargetName,
 * wait for it, and (Aurora) create the restored cluster's writer. It runs in the DR Region.
 */
import { ArnFormat, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { DatabaseResourceKind } from '../protection/protected-database';
import { AutomationContent, AutomationStep } from './automation-content';
import {
  approvalStep, approversParameter, assumeRoleParameter, databaseParameter, instanceAvailableSteps, selectDatabaseStep, targetNameParameter, targetNamePattern,
  targetTimeParameter,
} from './document-parts';

/** One database of a DR-region document. */
export interface DrRestoreDocumentSpec {
  readonly database: string;
  readonly kind: DatabaseResourceKind;
  /**
   * What every restored identifier starts with: `<source>-restore-` when production's identifier
   * is known at synthesis, else `<database>-restore-` (the DR stack never refers to the primary
   * stack, which already refers to the DR vault).
   */
  readonly targetPrefix: string;
  /** Production's ARN: the copies in the DR vault keep it as their resource ARN. */
  readonly sourceArn: string;
  /** The DR vault's name and ARN (in the document's stack). */
  readonly drVaultName: string;
  readonly drVaultArn: string;
  /** The role AWS Backup restores with. */
  readonly restoreRoleArn: string;
  /** Aurora engine of the restored cluster (`aurora-postgresql`, `aurora-mysql`); undefined: a parameter without default. */
  readonly auroraEngine?: string;
  readonly waitSeconds: number;
  readonly approvers: string[];
}

/** Picks the newest COMPLETED recovery point of the source created at or before TargetTime. */
const FIND_RECOVERY_POINT = [
  'from datetime import datetime, timezone',
  'import boto3',
  '',
  'def handler(events, context):',
  "    args = {'BackupVaultName': events['VaultName'], 'ByResourceArn': events['SourceArn']}",
  "    if events['TargetTime'] != 'latest':",
  "        args['ByCreatedBefore'] = datetime.strptime(events['TargetTime'], '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=timezone.utc)",
  '    points = []',
  "    for page in boto3.client('backup').get_paginator('list_recovery_points_by_backup_vault').paginate(**args):",
  "        points += [p for p in page['RecoveryPoints'] if p.get('Status') == 'COMPLETED']",
  '    if not points:',
  "        raise Exception('no completed copy of %s in vault %s created at or before %s' % (events['SourceArn'], events['VaultName'], events['TargetTime']))",
  "    newest = max(points, key=lambda p: p['CreationDate'])",
  "    return {'RecoveryPointArn': newest['RecoveryPointArn'], 'CreationDate': newest['CreationDate'].isoformat()}",
].join('\n');

/** Characters left for the suffix of a name restored in the DR Region. */
function roomOf(spec: DrRestoreDocumentSpec): number {
  return Math.min(40, 63 - spec.targetPrefix.length - (spec.kind === DatabaseResourceKind.AURORA_CLUSTER ? 2 : 0));
}

/** The pattern of the names a database's DR-Region restores may take. */
export function drRestoreTargetPattern(spec: DrRestoreDocumentSpec): string {
  return targetNamePattern(spec.targetPrefix, roomOf(spec));
}

/** The content of the document of `specs` (one stack's databases of one kind, in the order added; one DR vault and restore role). */
export function drRestoreContent(specs: DrRestoreDocumentSpec[], roleArn: string): AutomationContent {
  const spec = specs[0];
  const cluster = spec.kind === DatabaseResourceKind.AURORA_CLUSTER;
  const waitSeconds = Math.max(...specs.map((s) => s.waitSeconds));
  // Production's ARN and engine only when synthesis knows them: the DR stack never refers to the primary stack.
  const select = selectDatabaseStep({
    databases: Object.fromEntries(specs.map((s) => [s.database, {
      TargetPattern: drRestoreTargetPattern(s),
      ...(Token.isUnresolved(s.sourceArn) ? {} : { SourceArn: s.sourceArn }),
      ...(cluster && s.auroraEngine ? { Engine: s.auroraEngine } : {}),
    }])),
    given: { SourceArn: '{{ SourceArn }}', ...(cluster ? { Engine: '{{ Engine }}' } : {}) },
    required: ['SourceArn', ...(cluster ? ['Engine'] : [])],
    outputs: [{ name: 'SourceArn', type: 'String' }, ...(cluster ? [{ name: 'Engine', type: 'String' as const }] : [])],
  });
  const steps: AutomationStep[] = [
    select,
    {
      name: 'FindRecoveryPoint', action: 'aws:executeScript', onFailure: 'Abort', timeoutSeconds: 600,
      description: 'Finds the newest completed copy of the database in the DR vault created at or before TargetTime.',
      inputs: {
        Runtime: 'python3.11', Handler: 'handler', Script: FIND_RECOVERY_POINT,
        InputPayload: { VaultName: spec.drVaultName, SourceArn: '{{ SelectDatabase.SourceArn }}', TargetTime: '{{ TargetTime }}' },
      },
      outputs: [
        { Name: 'RecoveryPointArn', Selector: '$.Payload.RecoveryPointArn', Type: 'String' },
        { Name: 'CreationDate', Selector: '$.Payload.CreationDate', Type: 'String' },
      ],
    },
    approvalStep('Approve', `Recover {{ Database }} in the DR Region from copy {{ FindRecoveryPoint.RecoveryPointArn }} (created {{ FindRecoveryPoint.CreationDate }}) as {{ TargetName }}? This is the failover: production is to be redirected to the restored ${cluster ? 'cluster' : 'instance'}.`,
      'the restore in the DR Region is the failover: production is to be redirected to it'),
    {
      name: 'StartRestore', action: 'aws:executeAwsApi', onFailure: 'Abort',
      inputs: {
        Service: 'backup', Api: 'StartRestoreJob',
        RecoveryPointArn: '{{ FindRecoveryPoint.RecoveryPointArn }}',
        IamRoleArn: spec.restoreRoleArn,
        ResourceType: cluster ? 'Aurora' : 'RDS',
        Metadata: cluster
          ? { DBClusterIdentifier: '{{ TargetName }}', DBSubnetGroupName: '{{ DbSubnetGroupName }}', Engine: '{{ SelectDatabase.Engine }}' }
          : { DBInstanceIdentifier: '{{ TargetName }}', DBSubnetGroupName: '{{ DbSubnetGroupName }}' },
      },
      outputs: [{ Name: 'RestoreJobId', Selector: '$.RestoreJobId', Type: 'String' }],
    },
    {
      name: 'WaitRestore', action: 'aws:waitForAwsResourceProperty', timeoutSeconds: waitSeconds, onFailure: 'Abort',
      inputs: {
        Service: 'backup', Api: 'DescribeRestoreJob', RestoreJobId: '{{ StartRestore.RestoreJobId }}',
        PropertySelector: '$.Status', DesiredValues: ['COMPLETED', 'ABORTED', 'FAILED'],
      },
    },
    {
      name: 'RestoreCompleted', action: 'aws:assertAwsResourceProperty', onFailure: 'Abort',
      inputs: { Service: 'backup', Api: 'DescribeRestoreJob', RestoreJobId: '{{ StartRestore.RestoreJobId }}', PropertySelector: '$.Status', DesiredValues: ['COMPLETED'] },
    },
  ];
  if (cluster) {
    steps.push(
      {
        name: 'CreateWriter', action: 'aws:executeAwsApi', onFailure: 'Abort',
        description: 'A restored Aurora cluster has no instance: creates its writer.',
        inputs: {
          Service: 'rds', Api: 'CreateDBInstance', DBInstanceIdentifier: '{{ TargetName }}-1', DBClusterIdentifier: '{{ TargetName }}',
          Engine: '{{ SelectDatabase.Engine }}', DBInstanceClass: '{{ InstanceClass }}',
          Tags: [{ Key: 'cdk-database-dr:restored-from', Value: '{{ Database }}' }],
        },
      },
      ...instanceAvailableSteps('WaitWriter', 'WriterAvailable', '{{ TargetName }}-1', waitSeconds),
    );
  }
  steps.push({
    name: 'DescribeRestore', action: 'aws:executeAwsApi', isEnd: true,
    inputs: { Service: 'backup', Api: 'DescribeRestoreJob', RestoreJobId: '{{ StartRestore.RestoreJobId }}' },
    outputs: [{ Name: 'CreatedResourceArn', Selector: '$.CreatedResourceArn', Type: 'String' }],
  });
  return {
    schemaVersion: '0.3',
    description: `cdk-database-dr: full recovery of Database (${specs.map((s) => s.database).join(', ')}) in the DR Region from the DR vault's newest copy at or before TargetTime, into a new ${cluster ? 'Aurora cluster' : 'RDS instance'} named by TargetName.`,
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      AutomationAssumeRole: assumeRoleParameter(roleArn),
      Approvers: approversParameter(spec.approvers),
      Database: databaseParameter(specs.map((s) => s.database)),
      TargetTime: targetTimeParameter('Restore the newest copy created at or before this time'),
      TargetName: targetNameParameter(`Identifier of the ${cluster ? 'cluster' : 'instance'} restored in the DR Region`,
        specs.map((s) => s.targetPrefix), specs.map(drRestoreTargetPattern)),
      DbSubnetGroupName: { type: 'String', description: 'DB subnet group in the DR Region to restore into (the DR network of the plan).' },
      SourceArn: {
        type: 'String',
        description: 'ARN of the production database, which its copies keep as their resource ARN; empty: the one the configuration names (required when it names none).',
        default: '',
        allowedPattern: '^(arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:(db|cluster):[a-z][a-z0-9-]{0,62})?$',
      },
      ...(cluster ? {
        Engine: { type: 'String' as const, description: 'Engine of the restored cluster; empty: the configuration\'s (aurora-postgresql or aurora-mysql).', default: '',
          allowedPattern: '^(aurora-postgresql|aurora-mysql)?$' },
        InstanceClass: { type: 'String' as const, description: 'Instance class of the restored cluster\'s writer (use production\'s).', default: 'db.r6g.large' },
      } : {}),
    },
    mainSteps: steps,
    outputs: ['DescribeRestore.CreatedResourceArn', 'FindRecoveryPoint.RecoveryPointArn'],
  };
}

/** Read the DR vault's list, restore its copies with the restore role, create the writer: nothing in production, no delete. */
export function drRestoreStatements(scope: Stack, spec: DrRestoreDocumentSpec): iam.PolicyStatement[] {
  const rds = (resource: string, resourceName: string) => scope.formatArn({ service: 'rds', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const prefix = `${spec.targetPrefix}*`;
  const statements = [
    new iam.PolicyStatement({ sid: 'ListCopies', actions: ['backup:ListRecoveryPointsByBackupVault'], resources: [spec.drVaultArn] }),
    new iam.PolicyStatement({
      sid: 'RestoreCopies', actions: ['backup:StartRestoreJob'],
      resources: [rds(spec.kind === DatabaseResourceKind.AURORA_CLUSTER ? 'cluster-snapshot' : 'snapshot', 'awsbackup:*')],
    }),
    // DescribeRestoreJob has no resource-level permissions.
    new iam.PolicyStatement({ sid: 'WatchRestoreJob', actions: ['backup:DescribeRestoreJob'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'PassRestoreRole', actions: ['iam:PassRole'], resources: [spec.restoreRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
    }),
  ];
  if (spec.kind === DatabaseResourceKind.AURORA_CLUSTER) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'CreateWriter', actions: ['rds:CreateDBInstance'],
        resources: [rds('db', prefix), rds('cluster', prefix), rds('subgrp', '*'), rds('pg', '*'), rds('og', '*')],
      }),
      new iam.PolicyStatement({ sid: 'WatchWriter', actions: ['rds:DescribeDBInstances', 'rds:AddTagsToResource'], resources: [rds('db', prefix)] }),
    );
  }
  return statements;
}
