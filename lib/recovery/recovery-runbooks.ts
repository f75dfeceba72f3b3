/**
 * The runbooks of a plan's databases, generated from the configuration: Markdown pages written
 * into the cloud assembly at synthesis (`runbooks/<plan>/<database>/<kind>.md` and an index
 * `runbooks/<plan>/README.md`), and SSM Automation documents for the AWS-side steps, each with its
 * own least-privilege role. The alarms of a linked BackupMonitoring name each database's runbooks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Duration, ISynthesisSession, Names, Stack, Token, attachCustomSynthesis, aws_ecs as ecs, aws_iam as iam, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { BackupMonitoring } from '../monitoring/backup-monitoring';
import { DatabaseEngine } from '../plan/types';
import { DatabaseProtection } from '../protection/database-protection';
import { DatabaseResourceKind, ProtectedDatabase } from '../protection/protected-database';
import { BackupRunner } from '../runner/backup-runner';
import { IBackupBucket } from '../storage/backup-bucket';
import { IBackupVault } from '../storage/backup-vault';
import { acknowledge } from '../storage/acknowledgements';
import { findEngine } from '../../runtime/engines';
import { drRestoreContent, drRestoreStatements, DrRestoreDocumentSpec } from './dr-restore-document';
import { renderDatabaseRunbooks, renderIndex } from './markdown';
import { RenderedRunbook } from './rendered-runbook';
import { PointInTimeDocumentSpec, pointInTimeContent, pointInTimeStatements, restorePrefix, restoreSuffixRoom } from './point-in-time-document';
import { RecoveryDocument } from './recovery-document';
import { DocumentBuild, DocumentGroups, DocumentKind } from './document-groups';
import { DrRegionRecovery } from './dr-region-recovery';
import { RunnerRestoreDocumentSpec, RUNNER_RESTORE_WILDCARDS, runnerRestoreContent, runnerRestoreStatements } from './runner-restore-document';
import { RESTORE_CONTAINER_NAME, runnerRestoreTask } from './runner-restore-task';
import { DocumentFact, RunbookFacts, runbookFolder } from './runbook-facts';
import { RunbookKind } from './runbook-kind';
import { StackValue, stackValue } from './stack-value';
import { recoveryDescriptionOf, subnetsOf } from './recovery-description';
import { recoveryProcedures, type RecoveryProcedure } from '../../runtime/recovery';
import type { DatabaseType } from '../../runtime/engines/record';

/** One estimate of the feasibility model for one backup source of a database. */
export interface RecoveryEstimate {
  /** The backup source the restore starts from, e.g. `AWS Backup continuous (PITR)`. */
  readonly source: string;
  /** The estimated restore time. */
  readonly estimatedRestoreTime: Duration;
  /** How it was estimated, e.g. `rds-pitr: 30 min + 200 GB at 50 GB/min`. */
  readonly basis: string;
  /**
   * The worst-case data loss of this source.
   * @default - not stated
   */
  readonly maxDataLoss?: Duration;
}

/** A check the runbook asks the operator to run on the restored copy. */
export interface RunbookCheck {
  /** The check's name. */
  readonly name: string;
  /** Its SQL. */
  readonly sql: string;
}

/** A self-managed database's host. */
export interface RunbookHost {
  /** Address of the database server. */
  readonly address: string;
  /** Its port. */
  readonly port: number;
  /** The database user the procedures connect as. */
  readonly user: string;
  /**
   * The SQL database the application uses.
   * @default - the database's sqlDatabaseName
   */
  readonly databaseName?: string;
  /**
   * PostgreSQL data directory on the host.
   * @default - not stated
   */
  readonly dataDirectory?: string;
}

/** One database of the runbooks. */
export interface RunbookDatabaseProps {
  /** The database's name in the plan (letters, digits and hyphens): its folder and its documents' names. */
  /**
   * Where the database's DR-Region document and its role go (e.g. a nested stack of the DR stack,
   * so the DR stack does not grow with the databases).
   * @default - the DR vault's stack
   */
  readonly drScope?: Construct;
  readonly name: string;
  /**
   * The database engine.
   * @default - not stated in the runbooks
   */
  readonly engine?: DatabaseEngine;
  /**
   * The recovery point objective.
   * @default - not stated
   */
  readonly rpo?: Duration;
  /**
   * The recovery time objective.
   * @default - not stated
   */
  readonly rto?: Duration;
  /**
   * The AWS Backup protection of the RDS instance or Aurora cluster: point-in-time and DR-Region documents.
   * @default - no AWS Backup protection (a self-managed database)
   */
  readonly protection?: DatabaseProtection;
  /**
   * The database's backup runners: where their backups are, which task definitions restore them.
   * @default - none
   */
  readonly runners?: BackupRunner[];
  /**
   * The feasibility model's restore estimates (lib/plan: `assessDatabase(...).tiers`), the one
   * counted against the RTO first.
   * @default - none stated
   */
  readonly estimates?: RecoveryEstimate[];
  /**
   * The SQL database restored and checked.
   * @default - the database's name
   */
  readonly sqlDatabaseName?: string;
  /**
   * The self-managed database's host, for the procedures' commands (checks, copy-back, data directory).
   * @default - none: those commands name no host
   */
  readonly host?: RunbookHost;
  /**
   * Credentials (fields `username` and `password`) the primary Region's restore task of the
   * database's logical runner (pg-dump, mysqldump) connects to the restore target with: the user
   * needs to create and fill a scratch database there. With them the database gets that task
   * definition and joins its stack's runner restore document.
   * @default - no primary-Region restore task or runner restore document for the database
   */
  readonly restoreTargetCredentials?: secretsmanager.ISecret;
  /**
   * The restore target's user, when `restoreTargetCredentials` holds only the password.
   * @default - the secret's `username` field
   */
  readonly restoreTargetUser?: string;
  /**
   * Checks to run on a restored copy before redirecting production.
   * @default - none (the runbooks say to compare row counts)
   */
  readonly checks?: RunbookCheck[];
}

/** Properties of {@link RecoveryRunbooks}. */
export interface RecoveryRunbooksProps {
  /** The plan's name: the runbooks' folder (`runbooks/<planName>/`) and the prefix of the documents' names. */
  readonly planName: string;
  /**
   * The DR vault, as the construct in the DR Region's stack: the DR-Region documents are created in its stack.
   * @default - no DR-Region documents
   */
  readonly drVault?: IBackupVault;
  /**
   * The replica of the runners' backup bucket in the DR Region.
   * @default - none
   */
  readonly replicaBucket?: IBackupBucket;
  /**
   * The role AWS Backup restores the DR vault's copies with.
   * @default - a new AWS Backup restore role in the DR vault's stack
   */
  readonly drRestoreRole?: iam.IRole;
  /**
   * The DR Region's recovery (its restore tasks): each database with a restore task there joins its
   * DR stack's runner restore document.
   * @default - no DR-Region runner restore documents
   */
  readonly drRecovery?: DrRegionRecovery;
  /**
   * The runner image of the primary Region's restore tasks.
   * @default - the bundled runner Dockerfile, built at deploy time
   */
  readonly image?: ecs.ContainerImage;
  /**
   * CPU architecture of the primary Region's restore tasks (and of the bundled image).
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * Default approvers of every document's approval step (IAM user, role or assumed-role ARNs).
   * @default - none: each execution names its approvers
   */
  readonly approvers?: string[];
  /**
   * Monitoring whose alarms name the runbooks of the databases they watch.
   * @default - no alarm links
   */
  readonly monitoring?: BackupMonitoring;
  /**
   * Databases, also addable with `addDatabase`.
   * @default - none
   */
  readonly databases?: RunbookDatabaseProps[];
}

interface Entry {
  readonly props: RunbookDatabaseProps;
  readonly documents: Array<{ kind: RunbookKind; document: RecoveryDocument; targetPrefix?: string; runnerRestore?: boolean }>;
}

const RESTORE_POLICY = 'AWSBackupServiceRolePolicyForRestores';

/** Runbooks (Markdown) and SSM Automation documents for every database added. */
export class RecoveryRunbooks extends Construct {
  /** The assembly folder every plan's runbooks are under. */
  public static readonly ROOT_FOLDER = 'runbooks';

  /** The plan's name. */
  public readonly planName: string;
  private readonly props: RecoveryRunbooksProps;
  private readonly entries: Entry[] = [];
  private readonly monitorings: BackupMonitoring[] = [];
  private restoreRole?: iam.IRole;
  private readonly documents: DocumentGroups;
  /** The primary-Region restore task definitions, by `<database>/<engine>`. */
  private readonly restoreTasks = new Map<string, ecs.FargateTaskDefinition>();

  constructor(scope: Construct, id: string, props: RecoveryRunbooksProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!/^[A-Za-z0-9_-]{1,60}$/.test(props.planName) || /^(aws|amazon)/i.test(props.planName)) {
      problems.push(`planName: 1 to 60 letters, digits, _ and -, not starting with aws or amazon (it prefixes SSM document names), got '${props.planName}'`);
    }
    if (props.drVault && !Token.isUnresolved(props.drVault.env.region) && !Token.isUnresolved(Stack.of(props.drVault).region)
      && props.drVault.env.region !== Stack.of(props.drVault).region) {
      problems.push(`drVault: must be the vault construct in the DR Region's stack (the DR-Region documents are created there), got a vault of ${props.drVault.env.region} imported into a stack of ${Stack.of(props.drVault).region}`);
    }
    for (const [i, a] of (props.approvers ?? []).entries()) {
      if (!Token.isUnresolved(a) && !/^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:.+$/.test(a)) problems.push(`approvers[${i}]: an IAM user, role or assumed-role ARN, got '${a}'`);
    }
    if (problems.length > 0) throw new ConfigurationError(`RecoveryRunbooks ${this.node.path}`, problems);
    this.props = props;
    this.planName = props.planName;
    this.documents = new DocumentGroups(this, props.planName);
    if (props.monitoring) this.monitorings.push(props.monitoring);
    for (const d of props.databases ?? []) this.addDatabase(d);
    // The Markdown is written with the templates, into the same cloud assembly (also for apps
    // that compose the constructs): aws-cdk-lib's hook for constructs that add files there.
    attachCustomSynthesis(this, { onSynthesize: (session: ISynthesisSession) => this.writeRunbooks(session.outdir) });
  }

  /** Adds a database: its documents now, its Markdown at synthesis. */
  public addDatabase(database: RunbookDatabaseProps): void {
    const problems: string[] = [];
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(database.name)) problems.push(`name: lowercase letters, digits and hyphens (at most 63), got '${database.name}'`);
    if (this.entries.some((e) => e.props.name === database.name)) problems.push(`name: '${database.name}' is added twice`);
    // A database selected by tags names no instance: no point-in-time or DR document can target it.
    const source = namedSource(database.protection?.database);
    if (source && !Token.isUnresolved(source.identifier) && restoreSuffixRoom(source.identifier, source.kind) < 1) {
      problems.push(`protection: the identifier '${source.identifier}' leaves no room for '-restore-<suffix>' in 63 characters`);
    }
    if (problems.length > 0) throw new ConfigurationError(`RecoveryRunbooks ${this.node.path}: database ${database.name}`, problems);

    const documents: Entry['documents'] = [];
    const waitSeconds = waitSecondsOf(database.estimates);
    const approvers = this.props.approvers ?? [];
    const id = database.name;
    if (database.protection && source) {
      const family = source.kind === DatabaseResourceKind.AURORA_CLUSTER ? 'cluster' : 'instance';
      const spec: PointInTimeDocumentSpec = { database: id, kind: source.kind, sourceIdentifier: source.identifier, waitSeconds, approvers };
      documents.push({
        kind: RunbookKind.POINT_IN_TIME,
        targetPrefix: restorePrefix(source.identifier),
        document: this.documents.add(Stack.of(database.protection), {
          slug: `point-in-time-${family}`, id: `PointInTime-${capitalized(family)}`, purpose: `point-in-time recovery into a new ${family}`,
        }, spec, { content: pointInTimeContent, statements: (m, stack) => pointInTimeStatements(stack, m), wildcardReasons: RDS_WILDCARDS }),
      });
      const drVault = this.props.drVault;
      if (drVault) {
        const drStack = Stack.of(drVault);
        const role = this.drRestoreRole(drStack);
        const drSpec: DrRestoreDocumentSpec = {
          database: id, kind: source.kind, sourceArn: source.arn,
          targetPrefix: Token.isUnresolved(source.identifier) ? restorePrefix(id) : restorePrefix(source.identifier),
          drVaultName: drVault.backupVaultName, drVaultArn: drVault.backupVaultArn, restoreRoleArn: role.roleArn,
          auroraEngine: auroraEngineOf(database.engine), waitSeconds, approvers,
        };
        documents.push({
          kind: RunbookKind.DR_REGION,
          targetPrefix: drSpec.targetPrefix,
          document: this.documents.add(Stack.of(database.drScope ?? drStack), {
            slug: `dr-region-${family}`, id: `DrRegion-${capitalized(family)}`, purpose: 'recovery in the DR Region from the DR vault\'s copies',
          }, drSpec, { content: drRestoreContent, statements: (m, stack) => drRestoreStatements(stack, m), wildcardReasons: RDS_WILDCARDS }),
        });
      }
    }
    documents.push(...this.runnerRestoreDocuments(database, waitSeconds, approvers));
    const entry = { props: database, documents };
    this.entries.push(entry);
    for (const monitoring of this.monitorings) this.link(monitoring, entry);
  }

  /**
   * The database's logical runners (pg-dump, mysqldump) restore with a task: in the primary Region
   * its own restore task definition (with the restore target's credentials), in the DR Region the
   * DR stack's restore task; each joins its stack's runner restore document.
   */
  private runnerRestoreDocuments(database: RunbookDatabaseProps, waitSeconds: number, approvers: string[]): Entry['documents'] {
    const out: Entry['documents'] = [];
    const kind: DocumentKind = { slug: 'runner-restore', id: 'RunnerRestore', purpose: 'restore of logical dumps with a runner restore task' };
    const build = (region: string): DocumentBuild<RunnerRestoreDocumentSpec> => ({
      content: (members, roleArn) => runnerRestoreContent(members, roleArn, region), statements: runnerRestoreStatements, wildcardReasons: RUNNER_RESTORE_WILDCARDS,
    });
    for (const runner of (database.runners ?? []).filter((r) => RUNNER_DOCUMENT_ENGINES.includes(r.engine))) {
      const id = `${this.node.id}-${database.name}-${runner.engine}`;
      const subnets = subnetsOf(runner).filter((s) => s !== '?');
      if (database.restoreTargetCredentials && subnets.length > 0) {
        const taskDefinition = runnerRestoreTask(`${id}-RestoreTask`, {
          runner, targetCredentials: database.restoreTargetCredentials, targetUser: database.restoreTargetUser,
          image: this.props.image, cpuArchitecture: this.props.cpuArchitecture,
        });
        this.restoreTasks.set(`${database.name}/${runner.engine}`, taskDefinition);
        const stack = Stack.of(runner);
        out.push({
          kind: RunbookKind.TABLE_RESTORE, runnerRestore: true,
          document: this.documents.add(stack, kind, {
            database: database.name, engine: runner.engine, taskDefinitionArn: taskDefinition.taskDefinitionArn, containerName: RESTORE_CONTAINER_NAME,
            taskRoleArn: runner.backupRole.roleArn, executionRoleArn: runner.executionRole.roleArn,
            clusterArn: runner.cluster.clusterArn, clusterName: runner.cluster.clusterName, clusterId: clusterIdOf(runner.cluster),
            subnets, securityGroups: runner.connections.securityGroups.map((g) => g.securityGroupId),
            productionDatabase: database.host?.databaseName ?? database.sqlDatabaseName ?? database.name,
            waitSeconds, approvers,
          }, build(stack.region)),
        });
      }
      const dr = this.props.drRecovery;
      const task = dr?.restoreTaskOf(runner.database);
      if (dr && task && dr.cluster && dr.restoreTaskSecurityGroup && dr.subnetIds.length > 0) {
        const stack = Stack.of(task.taskDefinition);
        out.push({
          kind: RunbookKind.DR_REGION, runnerRestore: true,
          document: this.documents.add(stack, { ...kind, slug: 'dr-runner-restore', id: 'DrRunnerRestore' }, {
            database: database.name, engine: runner.engine, taskDefinitionArn: task.taskDefinition.taskDefinitionArn, containerName: task.containerName,
            taskRoleArn: dr.restoreTaskRole.roleArn, executionRoleArn: dr.executionRole.roleArn,
            clusterArn: dr.cluster.clusterArn, clusterName: dr.cluster.clusterName, clusterId: clusterIdOf(dr.cluster),
            subnets: dr.subnetIds, securityGroups: [dr.restoreTaskSecurityGroup.securityGroupId],
            waitSeconds, approvers,
          }, build(stack.region)),
        });
      }
    }
    return out;
  }

  /**
   * Makes the alarms of another monitoring (e.g. one per stack of a fleet) name the runbooks of
   * the databases they watch: those added so far and those added later.
   */
  public addMonitoring(monitoring: BackupMonitoring): void {
    this.monitorings.push(monitoring);
    for (const entry of this.entries) this.link(monitoring, entry);
  }

  private link(monitoring: BackupMonitoring, entry: Entry): void {
    const link = {
      database: entry.props.name,
      folder: this.folderOf(entry.props.name),
      index: `${RecoveryRunbooks.ROOT_FOLDER}/${this.planName}/README.md`,
      documents: entry.documents.map((d) => `${d.document.documentName} (${Stack.of(d.document).region})`),
    };
    monitoring.alarmFactory.linkRunbook(link);
    // The fleet alarms watching the monitoring's databases name the runbooks too.
    monitoring._props.fleetAlarms?.alarmFactory.linkRunbook(link);
  }

  /** The folder of a database's runbooks, relative to the cloud assembly directory. */
  public folderOf(database: string): string {
    return runbookFolder(this.planName, database);
  }

  /** The names of every SSM Automation document created. */
  public get documentNames(): string[] {
    return this.entries.flatMap((e) => e.documents.map((d) => d.document.documentName));
  }

  /** Every Markdown file, with its path relative to the cloud assembly directory (what synthesis writes). */
  public renderRunbooks(): RenderedRunbook[] {
    const databases = this.entries.map((e) => ({ folder: this.folderOf(e.props.name), facts: this.factsOf(e) }));
    const indexFolder = `${RecoveryRunbooks.ROOT_FOLDER}/${this.planName}`;
    return [
      ...databases.flatMap((d) => renderDatabaseRunbooks(d.folder, d.facts)),
      { path: `${indexFolder}/README.md`, content: renderIndex(this.planName, databases, indexFolder) },
    ];
  }

  private writeRunbooks(outdir: string): void {
    for (const file of this.renderRunbooks()) {
      const path = join(outdir, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
    }
  }

  private factsOf(e: Entry): RunbookFacts {
    const db = e.props;
    const protection = db.protection;
    const source = protection?.database;
    const cluster = source?.kind === DatabaseResourceKind.AURORA_CLUSTER;
    const runners = db.runners ?? [];
    const bucket = runners[0]?.backupBucket;
    const primaryRegion = Stack.of(protection ?? runners[0] ?? this).region;
    const drRegion = this.props.drVault ? Stack.of(this.props.drVault).region : this.props.replicaBucket ? Stack.of(this.props.replicaBucket).region : undefined;
    const documents: DocumentFact[] = e.documents.map((d) => ({
      kind: d.kind, name: d.document.documentName, region: Stack.of(d.document).region, content: d.document.content, database: db.name, targetPrefix: d.targetPrefix,
      runnerRestore: d.runnerRestore,
    }));
    const named = namedSource(source);
    const sourceFact = protection && named && {
      cluster,
      identifier: stackValue('SOURCE', named.identifier, protection),
      arn: stackValue('SOURCE_ARN', named.arn, protection, {
        display: 'read from RDS by `$SOURCE`',
        shell: cluster
          ? `$(aws rds describe-db-clusters --region ${primaryRegion} --db-cluster-identifier "$SOURCE" --query 'DBClusters[0].DBClusterArn' --output text)`
          : `$(aws rds describe-db-instances --region ${primaryRegion} --db-instance-identifier "$SOURCE" --query 'DBInstances[0].DBInstanceArn' --output text)`,
      }),
    };
    const vault = protection && stackValue('VAULT', protection.vault.backupVaultName, protection.vault);
    const drVault = this.props.drVault && sourceFact ? stackValue('DR_VAULT', this.props.drVault.backupVaultName, this.props.drVault) : undefined;
    const bucketValue = bucket && stackValue('BUCKET', bucket.bucket.bucketName, bucket.bucket);
    const replica = this.props.replicaBucket && bucket ? stackValue('REPLICA_BUCKET', this.props.replicaBucket.bucket.bucketName, this.props.replicaBucket.bucket) : undefined;
    const restoreRole = this.restoreRole && e.documents.some((d) => d.kind === RunbookKind.DR_REGION)
      ? stackValue('RESTORE_ROLE', this.restoreRole.roleName, this.restoreRole) : undefined;
    const estimates = (db.estimates ?? []).map((x) => ({
      source: x.source, restoreMinutes: x.estimatedRestoreTime.toMinutes(), basis: x.basis,
      recoveryPointMinutes: x.maxDataLoss?.toMinutes(),
    }));
    let procedures: RecoveryProcedure[] = [];
    let values: StackValue[] = [];
    let noProcedures: string | undefined;
    if (db.engine) {
      const built = recoveryDescriptionOf({
        name: db.name, databaseType: db.engine as DatabaseType, primaryRegion, drRegion,
        source: sourceFact && source && { kind: source.kind, identifier: sourceFact.identifier, arn: sourceFact.arn },
        vault, drVault, restoreRole, bucket: bucketValue, replicaBucket: replica, runners,
        restoreTaskDefinitions: Object.fromEntries(runners.flatMap((r) => {
          const td = this.restoreTasks.get(`${db.name}/${r.engine}`);
          return td ? [[r.engine, td]] : [];
        })),
        drRecovery: this.props.drRecovery,
        host: db.host && { ...db.host, databaseName: db.host.databaseName ?? db.sqlDatabaseName },
        estimateMinutes: estimates[0]?.restoreMinutes,
      });
      procedures = recoveryProcedures(built.description);
      values = built.values;
    } else {
      noProcedures = `The step-by-step procedure needs the database's engine (\`engine\` of ${db.name}'s RunbookDatabaseProps).`;
    }
    return {
      plan: this.planName,
      database: db.name,
      sqlDatabase: db.sqlDatabaseName ?? db.name,
      engine: db.engine,
      deployment: !source ? 'self-managed' : cluster ? 'aurora' : 'rds',
      rpoMinutes: db.rpo && !db.rpo.isUnresolved() ? db.rpo.toMinutes() : undefined,
      rtoMinutes: db.rto && !db.rto.isUnresolved() ? db.rto.toMinutes() : undefined,
      estimates,
      primaryRegion,
      drRegion,
      source: sourceFact,
      vault,
      drVault,
      restoreRole,
      bucket: bucketValue,
      replicaBucket: replica,
      runners: runners.map((r) => ({ engine: r.engine, kind: findEngine(r.engine)?.kind ?? 'unknown', backupPrefix: r.backupPrefix, walArchivePrefix: r.walArchivePrefix })),
      documents,
      procedures,
      noProcedures,
      values,
      checks: (db.checks ?? []).map((c) => ({ name: c.name, sql: c.sql })),
    };
  }

  /** The role AWS Backup restores with in the DR Region: the given one, or one created there once. */
  private drRestoreRole(drStack: Stack): iam.IRole {
    if (this.restoreRole) return this.restoreRole;
    if (this.props.drRestoreRole) return (this.restoreRole = this.props.drRestoreRole);
    const role = new iam.Role(drStack, `${this.node.id}-DrRestoreRole`, {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: `AWS Backup restores the DR vault's copies of plan ${this.planName} with this role (SSM recovery documents pass it)`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(`service-role/${RESTORE_POLICY}`)],
    });
    acknowledge(role, [[
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${RESTORE_POLICY}]`,
      `${RESTORE_POLICY} is the AWS-maintained policy for AWS Backup restores; it tracks every resource type and permission AWS Backup needs, which a copied inline policy would silently miss.`,
    ]]);
    return (this.restoreRole = role);
  }
}

/** The protected database when it is named by an identifier (not selected by tags). */
function namedSource(db: ProtectedDatabase | undefined): (ProtectedDatabase & { readonly identifier: string }) | undefined {
  return db && db.identifier !== undefined ? db as ProtectedDatabase & { readonly identifier: string } : undefined;
}

/** Why each wildcard resource of the RDS documents' roles cannot be narrower. */
const RDS_WILDCARDS: { [suffix: string]: string } = {
  '-restore-*': 'Restored instances and clusters are named by the operator at run time; the role may only create and read names under <source>-restore-, never production',
  ':subgrp:*': 'The restore reuses the subnet group production (or the DR network) uses, named only at run time; a subnet group grants no data access',
  ':og:*': 'RDS evaluates the option group the restored instance inherits from production, named only at run time; it grants no data access',
  ':pg:*': 'RDS evaluates the parameter group the restored instance inherits, named only at run time; it grants no data access',
  ':cluster-pg:*': 'RDS evaluates the cluster parameter group the restored cluster inherits, named only at run time; it grants no data access',
  ':db:*': 'Listing the instances of production\'s cluster (to copy the writer\'s class) filters by cluster id, which IAM cannot scope; describe only',
  'awsbackup:*': 'The DR vault\'s copies are named by AWS Backup at copy time; only StartRestoreJob with the restore role is allowed on them, never delete',
  '*': 'kms:CreateGrant/DescribeKey only through RDS (kms:ViaService), for the key production is encrypted with, which the configuration does not name; backup:DescribeRestoreJob has no resource-level permissions',
};

/** The engines whose dumps a runner restore document restores (both take `--tables`). */
const RUNNER_DOCUMENT_ENGINES: readonly string[] = ['pg-dump', 'mysqldump'];

/** A short stable id of a cluster, for the Sid of the statement that allows RunTask in it. */
function clusterIdOf(cluster: ecs.ICluster): string {
  return Names.uniqueId(cluster).replace(/[^A-Za-z0-9]/g, '').slice(-16);
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function auroraEngineOf(engine: DatabaseEngine | undefined): string | undefined {
  if (engine === DatabaseEngine.POSTGRES) return 'aurora-postgresql';
  if (engine === DatabaseEngine.MYSQL) return 'aurora-mysql';
  return undefined;
}

/** Each wait: three times the best estimate, at least an hour, at most a day. */
function waitSecondsOf(estimates: RecoveryEstimate[] | undefined): number {
  const best = Math.min(...(estimates ?? []).map((e) => e.estimatedRestoreTime.toSeconds()));
  return Number.isFinite(best) ? Math.min(86400, Math.max(3600, best * 3)) : 3600 * 4;
}
