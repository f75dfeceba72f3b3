/**
 * The SSM Automation document that restores a logical dump (pg-dump, mysqldump) with a runner
 * restore task, shared by the databases of one stack: after approval it starts the chosen
 * Database's restore task definition with RunTask, the runner's `restore` command built from the
 * parameters (each one validated by a pattern and passed as `--flag=value`, so no value can become
 * another flag), waits for the task to stop, and fails with the meaning of the runner's exit code
 * unless it is 0. The task definition holds the engine, the storage and the target's credentials.
 */
import { Aws, aws_iam as iam } from 'aws-cdk-lib';
import { RUNNER_EXIT_MEANINGS } from '../../runtime/recovery/exit-codes';
import { AutomationContent, AutomationParameter, AutomationStep } from './automation-content';
import { approvalStep, approversParameter, assumeRoleParameter, databaseParameter, selectDatabaseStep } from './document-parts';

/** One database of a runner restore document: its restore task and where it runs. */
export interface RunnerRestoreDocumentSpec {
  /** The database's name in the plan (the Database parameter). */
  readonly database: string;
  /** The runner engine of its dumps (pg-dump or mysqldump). */
  readonly engine: string;
  readonly taskDefinitionArn: string;
  /** The container RunTask overrides. */
  readonly containerName: string;
  /** Task and execution roles of the task definition (the document's role passes them). */
  readonly taskRoleArn: string;
  readonly executionRoleArn: string;
  readonly clusterArn: string;
  readonly clusterName: string;
  /** A stable id of the cluster (for the statement that allows RunTask in it). */
  readonly clusterId: string;
  readonly subnets: string[];
  readonly securityGroups: string[];
  /**
   * The production database's name, which TargetName may never be (a full restore of a dump into it would replace it).
   * @default - none refused (a restore into a new server in the DR Region takes production's name)
   */
  readonly productionDatabase?: string;
  readonly waitSeconds: number;
  readonly approvers: string[];
}

/** Names the runner accepts as --target-db: a SQL identifier without quoting. */
export const RUNNER_TARGET_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';
/** A DNS name or an IPv4 address: starts with a letter or digit, so never a flag. */
export const RUNNER_TARGET_HOST_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$';
/** Empty (the engine's port) or 1-65535's digits. */
export const RUNNER_TARGET_PORT_PATTERN = '^(?:[1-9][0-9]{0,4})?$';
/** Empty (every table) or up to 100 comma-separated table or schema.table names. */
export const RUNNER_TABLES_PATTERN = '^(?:[A-Za-z_][A-Za-z0-9_$]*(?:\\.[A-Za-z_][A-Za-z0-9_$]*)?(?:,[A-Za-z_][A-Za-z0-9_$]*(?:\\.[A-Za-z_][A-Za-z0-9_$]*)?){0,99})?$';
/** Empty (the newest complete backup) or a runner backup id (`20261123T055100Z-full`). */
export const RUNNER_BACKUP_ID_PATTERN = '^(?:[0-9]{8}T[0-9]{6}Z-[a-z]+)?$';

/**
 * The container's command: the runner's `restore` with each parameter as one `--flag=value`
 * argument (an empty value means "unset" to the runner). Engine, database, storage and the target's
 * user and password come from the task definition.
 */
export const RUNNER_RESTORE_COMMAND: readonly string[] = [
  'restore',
  '--target-host={{ TargetHost }}',
  '--target-port={{ TargetPort }}',
  '--target-db={{ TargetName }}',
  '--tables={{ Tables }}',
  '--backup-id={{ BackupId }}',
];

/** Fails the automation unless the runner's container exited 0, with what its exit code means. */
const CHECK_EXIT_CODE = [
  'import boto3',
  '',
  'def handler(events, context):',
  "    task = boto3.client('ecs').describe_tasks(cluster=events['Cluster'], tasks=[events['TaskArn']])['tasks'][0]",
  "    container = next((c for c in task.get('containers', []) if c.get('name') == events['Container']), {})",
  "    code = container.get('exitCode')",
  "    reason = task.get('stoppedReason', '')",
  '    if code is None:',
  "        raise Exception('the restore task stopped without the runner exiting (%s): %s' % (task.get('stopCode', 'no stop code'), reason or container.get('reason', 'no reason given')))",
  '    if code != 0:',
  "        meaning = events['Meanings'].get(str(code), 'not a runner exit code')",
  "        raise Exception('the runner exited %d (%s); its log is in the task\\'s log stream. Task %s stopped: %s' % (code, meaning, events['TaskArn'], reason))",
  "    return {'ExitCode': code, 'StoppedReason': reason}",
].join('\n');

/** The CheckExitCode script, for tests that run it. */
export const CHECK_EXIT_CODE_SCRIPT = CHECK_EXIT_CODE;

/** The content of the document of `specs` (one stack's databases, in the order added). */
export function runnerRestoreContent(specs: RunnerRestoreDocumentSpec[], roleArn: string, region: string): AutomationContent {
  const waitSeconds = Math.max(...specs.map((s) => s.waitSeconds));
  const parameter = (description: string, allowedPattern: string, fallback?: string): AutomationParameter => ({
    type: 'String', description, allowedPattern, ...(fallback !== undefined ? { default: fallback } : {}),
  });
  // The runners of a stack share their subnets and security groups (RunnerInfrastructure): then the
  // document names them itself, and only a stack whose databases differ substitutes the chosen
  // database's lists into RunTask's nested network configuration.
  const same = (pick: (s: RunnerRestoreDocumentSpec) => string[]) => specs.every((s) => JSON.stringify(pick(s)) === JSON.stringify(pick(specs[0])));
  const network = same((s) => s.subnets) && same((s) => s.securityGroups)
    ? { subnets: [...specs[0].subnets], securityGroups: [...specs[0].securityGroups] }
    : { subnets: '{{ SelectDatabase.Subnets }}', securityGroups: '{{ SelectDatabase.SecurityGroups }}' };
  const steps: AutomationStep[] = [
    selectDatabaseStep({
      databases: Object.fromEntries(specs.map((s) => [s.database, {
        Engine: s.engine, TaskDefinition: s.taskDefinitionArn, Container: s.containerName, Cluster: s.clusterArn,
        Subnets: s.subnets, SecurityGroups: s.securityGroups,
        ...(s.productionDatabase ? { ForbiddenTargetName: s.productionDatabase } : {}),
      }])),
      outputs: [
        { name: 'Engine', type: 'String' }, { name: 'TaskDefinition', type: 'String' }, { name: 'Container', type: 'String' },
        { name: 'Cluster', type: 'String' }, { name: 'Subnets', type: 'StringList' }, { name: 'SecurityGroups', type: 'StringList' },
      ],
    }),
    approvalStep('Approve',
      'Restore {{ Database }}\'s {{ SelectDatabase.Engine }} backup "{{ BackupId }}" (empty: the newest complete one), tables "{{ Tables }}" (empty: all), '
      + 'into database {{ TargetName }} on {{ TargetHost }}? The restore creates or fills that database; the runbook copies rows back into production only after its own approval.',
      'the restore task writes into the target server'),
    {
      name: 'StartRestore', action: 'aws:executeAwsApi', onFailure: 'Abort',
      description: 'Starts the database\'s restore task with the runner\'s restore command built from the parameters.',
      inputs: {
        Service: 'ecs', Api: 'RunTask',
        cluster: '{{ SelectDatabase.Cluster }}',
        taskDefinition: '{{ SelectDatabase.TaskDefinition }}',
        launchType: 'FARGATE',
        count: 1,
        startedBy: 'cdk-database-dr-recovery',
        networkConfiguration: { awsvpcConfiguration: { ...network, assignPublicIp: 'DISABLED' } },
        overrides: { containerOverrides: [{ name: '{{ SelectDatabase.Container }}', command: [...RUNNER_RESTORE_COMMAND] }] },
      },
      outputs: [{ Name: 'TaskArn', Selector: '$.tasks[0].taskArn', Type: 'String' }],
    },
    {
      name: 'WaitForTask', action: 'aws:waitForAwsResourceProperty', timeoutSeconds: waitSeconds, onFailure: 'Abort',
      description: 'Waits until the restore task has stopped.',
      inputs: {
        Service: 'ecs', Api: 'DescribeTasks', cluster: '{{ SelectDatabase.Cluster }}', tasks: ['{{ StartRestore.TaskArn }}'],
        PropertySelector: '$.tasks[0].lastStatus', DesiredValues: ['STOPPED'],
      },
    },
    {
      name: 'CheckExitCode', action: 'aws:executeScript', onFailure: 'Abort', timeoutSeconds: 120, isEnd: true,
      description: 'Fails unless the runner exited 0, saying what its exit code means (2 configuration, 3 database, 4 storage, 5 verification).',
      inputs: {
        Runtime: 'python3.11', Handler: 'handler', Script: CHECK_EXIT_CODE,
        InputPayload: {
          Cluster: '{{ SelectDatabase.Cluster }}', TaskArn: '{{ StartRestore.TaskArn }}', Container: '{{ SelectDatabase.Container }}',
          Meanings: Object.fromEntries(Object.entries(RUNNER_EXIT_MEANINGS).map(([k, v]) => [k, v])),
        },
      },
      outputs: [{ Name: 'ExitCode', Selector: '$.Payload.ExitCode', Type: 'Integer' }],
    },
  ];
  return {
    schemaVersion: '0.3',
    description: `cdk-database-dr: restores a logical dump of Database (${specs.map((s) => `${s.database}: ${s.engine}`).join(', ')}) with a runner restore task in ${region} `
      + 'into database TargetName on TargetHost (all tables, or Tables), and fails unless the runner exits 0.',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      AutomationAssumeRole: assumeRoleParameter(roleArn),
      Approvers: approversParameter(specs[0].approvers),
      Database: databaseParameter(specs.map((s) => s.database)),
      TargetHost: parameter('Host (DNS name or IPv4 address) of the server to restore into; the task connects with the credentials of its task definition.', RUNNER_TARGET_HOST_PATTERN),
      TargetPort: parameter('Port of that server; empty: the engine\'s (5432, 3306).', RUNNER_TARGET_PORT_PATTERN, ''),
      TargetName: parameter('Database to restore into (created when missing); never production\'s database in the primary Region.', RUNNER_TARGET_NAME_PATTERN),
      Tables: parameter('Comma-separated tables (schema.table, or table) to restore; empty: the whole dump.', RUNNER_TABLES_PATTERN, ''),
      BackupId: parameter('Runner backup id to restore (runner info lists them); empty: the newest complete backup.', RUNNER_BACKUP_ID_PATTERN, ''),
    },
    mainSteps: steps,
    outputs: ['StartRestore.TaskArn', 'CheckExitCode.ExitCode'],
  };
}

/**
 * What the document's role may do for one database: start its restore task definition in its
 * cluster, pass that task's two roles to ECS, and watch the cluster's tasks. Nothing else.
 */
export function runnerRestoreStatements(spec: RunnerRestoreDocumentSpec): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: `RunRestoreTasksIn${spec.clusterId}`, actions: ['ecs:RunTask'], resources: [spec.taskDefinitionArn],
      conditions: { ArnEquals: { 'ecs:cluster': spec.clusterArn } },
    }),
    new iam.PolicyStatement({
      sid: 'PassRestoreTaskRoles', actions: ['iam:PassRole'], resources: [spec.taskRoleArn, spec.executionRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'WatchRestoreTasks', actions: ['ecs:DescribeTasks'],
      resources: [`arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:task/${spec.clusterName}/*`],
    }),
  ];
}

/** Why the role's wildcard resource cannot be narrower. */
export const RUNNER_RESTORE_WILDCARDS: { [suffix: string]: string } = {
  '/*': 'ECS names each task when it starts: the role may only describe the tasks of the restore tasks\' cluster (read only)',
};
