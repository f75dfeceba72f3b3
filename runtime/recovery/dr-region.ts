/**
 * (b) Full recovery in the DR region after the loss of the primary region: from the copies in the
 * DR vault (RDS / Aurora, AWS Backup restore job) or from the replica bucket (self-managed, runner
 * restore in the DR region). The restore reads only what is already in the DR region.
 */
import { logicalRestoreByHand } from './by-hand';
import { backupLocation, runnerArgv, runTask, runnerCommand } from './commands';
import { argvCommand, PARAMETERS, ref, shellCommand } from './parameters';
import { approvalStep, redirectStep, unavailable, verifyStep } from './steps';
import type { DatabaseRecoveryDescription, RecoveryParameter, RecoveryProcedure, RecoveryStep } from './types';

const KIND = 'dr-region' as const;
const TITLE = 'Full recovery in the DR region';

export function drRegionProcedure(d: DatabaseRecoveryDescription): RecoveryProcedure {
  if (!d.drRegion) return unavailable(d, KIND, TITLE, `${d.name} has no DR region in the plan: nothing is copied out of ${d.primaryRegion}`);
  return d.deployment === 'self-managed' ? selfManaged(d, d.drRegion) : managed(d, d.drRegion);
}

function estimate(d: DatabaseRecoveryDescription): { estimateMinutes?: number } {
  return d.estimates?.drRegionMinutes !== undefined ? { estimateMinutes: d.estimates.drRegionMinutes } : {};
}

function declareStep(d: DatabaseRecoveryDescription, drRegion: string): RecoveryStep {
  return { ...approvalStep('approve-failover', `Declare ${d.primaryRegion} lost and recover ${d.name} in ${drRegion}`),
    description: `Recovering in ${drRegion} accepts the data lost since the newest copy that reached it (copy and replication lag): the incident lead decides, after checking that ${d.primaryRegion} will not come back in time.` };
}

function managed(d: DatabaseRecoveryDescription, region: string): RecoveryProcedure {
  const m = d.managed;
  if (!m) return unavailable(d, KIND, TITLE, `${d.name} is ${d.deployment} but its description has no managed database (identifier, ARN)`);
  if (!m.drVaultName) return unavailable(d, KIND, TITLE, `${d.name} has no DR vault: its recovery points are not copied to ${region}`);
  const aurora = d.deployment === 'aurora';
  const n = ref('TargetName');
  const subnetGroup = m.drSubnetGroupName ?? m.subnetGroupName;
  const metadata: Record<string, string> = aurora
    ? { DBClusterIdentifier: n, Engine: d.databaseType === 'postgres' ? 'aurora-postgresql' : 'aurora-mysql', ...(subnetGroup ? { DBSubnetGroupName: subnetGroup } : {}) }
    : { DBInstanceIdentifier: n, ...(subnetGroup ? { DBSubnetGroupName: subnetGroup } : {}), ...(m.instanceClass ? { DBInstanceClass: m.instanceClass } : {}) };
  const steps: RecoveryStep[] = [
    declareStep(d, region),
    { id: 'list', title: `List the copies in the DR vault ${m.drVaultName}`, kind: 'aws', touchesProduction: false,
      description: 'Pick the newest COMPLETED recovery point of the database (copies keep the source resource ARN).',
      commands: [argvCommand('operator', ['aws', 'backup', 'list-recovery-points-by-backup-vault', '--region', region, '--backup-vault-name', m.drVaultName,
        '--by-resource-arn', m.arn, '--query', 'reverse(sort_by(RecoveryPoints[?Status==`COMPLETED`], &CreationDate))[].[RecoveryPointArn,CreationDate]', '--output', 'text'])],
      awsApi: { service: 'backup', api: 'ListRecoveryPointsByBackupVault', region, input: { BackupVaultName: m.drVaultName, ByResourceArn: m.arn } } },
    { id: 'restore', title: `Restore the copy into a new ${aurora ? 'cluster' : 'instance'} in ${region}`, kind: 'aws', touchesProduction: false,
      description: `An AWS Backup restore job from the DR vault\'s copy, decrypted with the DR key, with the restore role ${m.restoreRoleArn}.`,
      commands: [argvCommand('operator', ['aws', 'backup', 'start-restore-job', '--region', region, '--recovery-point-arn', ref('RecoveryPointArn'),
        '--iam-role-arn', m.restoreRoleArn, '--resource-type', aurora ? 'Aurora' : 'RDS', '--metadata', JSON.stringify(metadata)])],
      awsApi: { service: 'backup', api: 'StartRestoreJob', region, input: { RecoveryPointArn: ref('RecoveryPointArn'), IamRoleArn: m.restoreRoleArn,
        ResourceType: aurora ? 'Aurora' : 'RDS', Metadata: metadata } } },
    { id: 'wait', title: 'Wait until it is available', kind: 'aws', touchesProduction: false,
      description: 'The restore job ends when the instance is available.',
      commands: [argvCommand('operator', aurora
        ? ['aws', 'rds', 'wait', 'db-cluster-available', '--region', region, '--db-cluster-identifier', n]
        : ['aws', 'rds', 'wait', 'db-instance-available', '--region', region, '--db-instance-identifier', n])] },
    verifyStep(d, `the restored ${aurora ? 'cluster' : 'instance'} ${n} in ${region}`, {
      host: aurora
        ? `"$(aws rds describe-db-clusters --region ${region} --db-cluster-identifier ${n} --query 'DBClusters[0].Endpoint' --output text)"`
        : `"$(aws rds describe-db-instances --region ${region} --db-instance-identifier ${n} --query 'DBInstances[0].Endpoint.Address' --output text)"`,
      port: d.databaseType === 'postgres' ? '5432' : '3306' }),
    approvalStep('approve-redirect', `Approve redirecting the application to ${n} in ${region}`),
    redirectStep(d, `${n} in ${region}`),
  ];
  return {
    kind: KIND, title: TITLE, database: d.name, available: true, region,
    summary: `Restores the newest copy of ${m.identifier} in the DR vault ${m.drVaultName} (${region}) into a new ${aurora ? 'Aurora cluster' : 'RDS instance'} {{TargetName}}, checks it, and after approval redirects the application to ${region}.`,
    parameters: [PARAMETERS.recoveryPointArn(), PARAMETERS.targetInstance(aurora ? 'DB cluster' : 'DB instance', d.name)],
    steps,
    byHand: [{ id: 'by-hand', title: 'Without this library', kind: 'manual', touchesProduction: false, commands: [],
      description: 'The AWS CLI lines above are plain AWS Backup and RDS calls. Without AWS Backup, a copied snapshot restores with `aws rds restore-db-instance-from-db-snapshot` once shared to the DR region.' }],
    ...estimate(d),
  };
}

function selfManaged(d: DatabaseRecoveryDescription, region: string): RecoveryProcedure {
  if (!d.storage?.replicaBucket && !d.storage?.posixRepo) {
    return unavailable(d, KIND, TITLE, `${d.name} has no replica bucket in ${region}: its runner backups are not replicated out of ${d.primaryRegion}`);
  }
  const logical = d.logicalEngine === 'pg-dump' || d.logicalEngine === 'mysqldump' ? d.logicalEngine : undefined;
  if (d.physicalEngine === 'pgbackrest') return pgbackrest(d, region);
  if (logical) return logicalDr(d, region, logical);
  return unavailable(d, KIND, TITLE, `${d.name}'s engines (${[d.physicalEngine, d.logicalEngine].filter(Boolean).join(', ') || 'none'}) have no DR-region procedure yet`);
}

function logicalDr(d: DatabaseRecoveryDescription, region: string, e: 'pg-dump' | 'mysqldump'): RecoveryProcedure {
  const pg = e === 'pg-dump';
  const flags = ['--target-host', ref('TargetHost'), '--target-port', ref('TargetPort'), '--target-user', ref('TargetUser'), '--target-db', ref('TargetName'),
    '--backup-id', ref('BackupId')];
  const runner = runnerCommand(d, 'restore', e, 'dr', flags, ['RUNNER_TARGET_PASSWORD']);
  const task = d.drRunner ? runTask(d.drRunner, e, region, runnerArgv(d, 'restore', e, 'dr', flags)) : undefined;
  const loc = backupLocation(d, e, 'dr');
  const steps: RecoveryStep[] = [
    declareStep(d, region),
    { id: 'info', title: `List the complete backups in the replica bucket`, kind: 'runner', touchesProduction: false,
      description: 'Backups with a manifest that replicated to the DR region.',
      commands: [runnerCommand(d, 'info', e, 'dr', [])] },
    { id: 'restore', title: `Restore the newest dump into a server in ${region}`, kind: 'runner', touchesProduction: false,
      description: `The runner restores from the replica bucket (hash-checked against the manifest) into {{TargetName}} on {{TargetHost}}; run it as a task of the DR region's runner${d.drRunner?.taskDefinitions[e] ? ` (${d.drRunner.taskDefinitions[e]})` : ''}.`,
      commands: task ? [runner, task.command] : [runner],
      ...(task ? { awsApi: task.api } : {}) },
    verifyStep(d, `${ref('TargetName')} on ${ref('TargetHost')}`, { host: ref('TargetHost'), port: ref('TargetPort'), user: ref('TargetUser') }),
    approvalStep('approve-redirect', `Approve redirecting the application to ${ref('TargetHost')} in ${region}`),
    redirectStep(d, `${ref('TargetHost')} in ${region}`),
  ];
  const params: RecoveryParameter[] = [PARAMETERS.targetHost(), PARAMETERS.targetPort(pg ? '5432' : '3306'), PARAMETERS.targetUser(d.host?.user ?? (pg ? 'postgres' : 'root')),
    { ...PARAMETERS.scratchDatabase(d.name), description: 'Database to restore into on the DR server (created when missing)', example: d.host?.databaseName ?? d.name },
    PARAMETERS.backupId()];
  return {
    kind: KIND, title: TITLE, database: d.name, available: true, region,
    summary: `Restores the newest ${e} backup of ${d.name} that replicated to ${region} into a server there, checks it, and after approval redirects the application. Data since that dump is lost (the dump's start is its restore point).`,
    parameters: params, steps, byHand: loc ? logicalRestoreByHand(d, e, loc, 'the newest backup (by id) that has a manifest') : [], ...estimate(d),
  };
}

function pgbackrest(d: DatabaseRecoveryDescription, region: string): RecoveryProcedure {
  const dir = ref('TargetName');
  const stanza = d.pgbackrestStanza ?? d.name;
  const bucket = d.storage?.replicaBucket;
  const steps: RecoveryStep[] = [
    declareStep(d, region),
    { id: 'info', title: 'List the complete backups in the replica bucket', kind: 'runner', touchesProduction: false,
      description: 'The pgBackRest repository as replicated to the DR region (--s3-* override the settings\' repository).',
      commands: [{ ...runnerCommand(d, 'info', 'pgbackrest', 'dr', [], ['RUNNER_PGBACKREST_CIPHER_PASS', 'RUNNER_PGBACKREST_SETTINGS']), runsOn: 'restore-host' }] },
    { id: 'restore', title: `Restore into a new data directory on a host in ${region}`, kind: 'runner', touchesProduction: false,
      description: 'Restores the newest complete backup and every replicated WAL segment after it (recovery to the end of the archive); with a target time, to that time.',
      commands: [{ ...runnerCommand(d, 'restore', 'pgbackrest', 'dr', ['--target-dir', dir, '--backup-id', ref('BackupId'), '--pgbackrest-archive-mode', 'off'],
        ['RUNNER_PGBACKREST_CIPHER_PASS', 'RUNNER_PGBACKREST_SETTINGS']), runsOn: 'restore-host' }] },
    { id: 'start', title: 'Start the restored cluster', kind: 'manual', touchesProduction: false,
      description: 'PostgreSQL replays the replicated WAL and promotes.',
      commands: [shellCommand('restore-host', `chown -R postgres:postgres ${dir} && su postgres -c 'pg_ctl --pgdata ${dir} --options "-p ${ref('TargetPort')}" --wait --timeout 600 start'`)] },
    verifyStep(d, `the restored cluster in ${region}`, { host: 'localhost', port: ref('TargetPort'), user: 'postgres' }),
    approvalStep('approve-redirect', `Approve redirecting the application to the cluster in ${region}`),
    redirectStep(d, `the DR host:${ref('TargetPort')}`),
  ];
  const byHand: RecoveryStep[] = [
    { id: 'restore', title: 'Restore with pgBackRest from the replica bucket', kind: 'manual', touchesProduction: false,
      description: 'The runner task\'s pgbackrest.conf with the repository pointed at the replica bucket and the DR region; name the set of a complete backup.',
      commands: [shellCommand('restore-host', `pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=${stanza}${bucket ? ` --repo1-s3-bucket=${bucket} --repo1-s3-region=${region} --repo1-s3-endpoint=s3.${region}.amazonaws.com` : ''} --pg1-path=${dir} --set=${ref('BackupId')} --archive-mode=off restore`,
        ['PGBACKREST_REPO1_CIPHER_PASS'])] },
  ];
  return {
    kind: KIND, title: TITLE, database: d.name, available: true, region,
    summary: `Restores ${d.name} from the pgBackRest repository replicated to ${region} into a new data directory there, to the end of the replicated WAL; after checks and approval the application is redirected.`,
    parameters: [PARAMETERS.targetDataDirectory(d.name), PARAMETERS.backupId(), PARAMETERS.targetPort('5432')], steps, byHand, ...estimate(d),
  };
}
