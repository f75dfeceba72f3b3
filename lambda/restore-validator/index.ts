/**
 * Restore validator: triggered by EventBridge on `aws.backup` / `Restore Job State Change` /
 * `status: COMPLETED`. For restore jobs of this construct's restore testing plan it connects to
 * the restored copy, runs the integrity checks against the production baseline, reports the
 * verdict with PutRestoreValidationResult and emits verification metrics.
 *
 * Every problem with the input (unreachable copy, wrong credentials, missing baseline, invalid
 * user SQL, unknown source) becomes a FAILED validation whose message says which. Only a failure
 * to deliver the verdict itself throws, so the event is retried and finally lands in the DLQ.
 */
import { BackupClient, DescribeRestoreJobCommand, DescribeRestoreJobCommandOutput, PutRestoreValidationResultCommand } from '@aws-sdk/client-backup';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ValidatorConfig, VALIDATOR_ENV } from '../../runtime/contracts/verification';
import { BaselineMissingError, readBaseline } from '../../runtime/aws/baseline-store';
import { CredentialsError, readCredentials } from '../../runtime/aws/credentials';
import { loadJsonConfig } from '../../runtime/aws/config-object';
import { connect, ConnectionFailure, DatabaseClient, failureReport, summarize, verifyRestoredCopy, VerificationReport } from '../../runtime/integrity';
import { emitVerificationMetrics } from '../../runtime/metrics/verification';
import { EndpointError, findEndpoint } from './endpoint';
import { sourceDatabase } from './source';

// Clients live outside the handler so warm invocations reuse their connections.
const backup = new BackupClient({});
const rds = new RDSClient({});
const s3 = new S3Client({});
const secrets = new SecretsManagerClient({});

/** The part of the EventBridge event the validator reads. */
export interface RestoreJobEvent {
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly detail?: { readonly restoreJobId?: string; readonly status?: string; readonly [k: string]: unknown };
}

export interface ValidationOutcome {
  readonly restoreJobId?: string;
  /** `ignored` for events that are not a completed restore job of this plan. */
  readonly status: 'SUCCESSFUL' | 'FAILED' | 'ignored';
  readonly message: string;
  readonly report?: VerificationReport;
}

/** Message limit applied before PutRestoreValidationResult. */
const MAX_MESSAGE = 1000;

function log(level: 'info' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ level, message, ...fields }) + '\n');
}

export async function handler(event: RestoreJobEvent): Promise<ValidationOutcome> {
  const started = Date.now();
  // The per-database part may be in an S3 object when it does not fit the 4 KB environment.
  const config = await loadJsonConfig<ValidatorConfig>(VALIDATOR_ENV.config, s3);
  const restoreJobId = event?.detail?.restoreJobId;
  if (event?.source !== 'aws.backup' || event['detail-type'] !== 'Restore Job State Change' || !restoreJobId) {
    return ignore(restoreJobId, 'not a restore job state change event');
  }
  if (event.detail?.status !== undefined && event.detail.status !== 'COMPLETED') {
    return ignore(restoreJobId, `restore job status is ${event.detail.status}, not COMPLETED`);
  }
  // A failure to describe the job is an AWS-side problem, not bad input: let it throw and retry.
  const job = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }));
  const planArn = job.CreatedBy?.RestoreTestingPlanArn;
  if (!planArn || !isThisPlan(planArn, config)) {
    return ignore(restoreJobId, planArn ? `restore job belongs to restore testing plan ${planArn}` : 'restore job was not started by a restore testing plan');
  }
  if (job.Status && job.Status !== 'COMPLETED') return ignore(restoreJobId, `restore job status is ${job.Status}`);

  const database = await sourceDatabase(rds, config.databases, job.SourceResourceArn);
  let report: VerificationReport;
  if (!database) {
    report = failureReport(job.SourceResourceArn ?? 'unknown', 'postgres', 'baseline', 'source database',
      'a database configured for verification', `source resource ${job.SourceResourceArn ?? 'unknown'} is not configured in this RestoreVerification`);
  } else {
    report = await validate(job, database, config);
  }
  const message = summarize(report, MAX_MESSAGE);
  const status = report.passed ? 'SUCCESSFUL' : 'FAILED';
  await backup.send(new PutRestoreValidationResultCommand({ RestoreJobId: restoreJobId, ValidationStatus: status, ValidationStatusMessage: message }));

  const finished = Date.now();
  const validationSeconds = (finished - started) / 1000;
  const restoreSeconds = job.CreationDate && job.CompletionDate ? (job.CompletionDate.getTime() - job.CreationDate.getTime()) / 1000 : undefined;
  emitVerificationMetrics({
    database: database?.name ?? 'unknown',
    passed: report.passed,
    durationSeconds: validationSeconds,
    ...(restoreSeconds !== undefined ? { measuredRtoSeconds: restoreSeconds + validationSeconds } : {}),
    ...(job.RecoveryPointCreationDate ? { restoredDataAgeSeconds: (finished - job.RecoveryPointCreationDate.getTime()) / 1000 } : {}),
    properties: { restoreJobId, verdict: status },
  });
  log(report.passed ? 'info' : 'error', message, { restoreJobId, status, checks: report.checks });
  return { restoreJobId, status, message, report };
}

function isThisPlan(planArn: string, config: ValidatorConfig): boolean {
  if (planArn === config.restoreTestingPlanArn) return true;
  // The plan ARN ends in `restore-testing-plan:<name>-<id>`: match the name when the ARN differs only in form.
  const name = /:restore-testing-plan:(.+)$/.exec(planArn)?.[1];
  return !!name && (name === config.restoreTestingPlanName || name.startsWith(`${config.restoreTestingPlanName}-`));
}

function ignore(restoreJobId: string | undefined, reason: string): ValidationOutcome {
  log('info', `ignored: ${reason}`, { restoreJobId });
  return { ...(restoreJobId ? { restoreJobId } : {}), status: 'ignored', message: reason };
}

async function validate(job: DescribeRestoreJobCommandOutput, database: ValidatorConfig['databases'][number], config: ValidatorConfig): Promise<VerificationReport> {
  const fail = (kind: 'connection' | 'baseline', name: string, expected: string, found: string) =>
    failureReport(database.name, database.engine, kind, name, expected, found);
  let client: DatabaseClient | undefined;
  try {
    const baseline = await readBaseline(s3, config.store, database.name);
    const endpoint = await findEndpoint(rds, job.CreatedResourceArn);
    const creds = await readCredentials(secrets, database.secretArn);
    client = await connect({
      engine: database.engine, host: endpoint.host, port: endpoint.port,
      user: creds.username, password: creds.password, database: database.databaseName, tls: config.tls,
    });
    return await verifyRestoredCopy(client, baseline, {
      ...(job.RecoveryPointCreationDate ? { restorePointTime: job.RecoveryPointCreationDate } : {}),
      tolerance: { absoluteRows: config.rowCountAbsoluteTolerance, growthRatePerDay: config.rowCountGrowthRatePerDay },
    });
  } catch (err) {
    if (err instanceof BaselineMissingError) return fail('baseline', 'baseline', 'a production baseline', err.message);
    if (err instanceof EndpointError) return fail('connection', 'restored endpoint', 'an available restored instance', err.message);
    if (err instanceof CredentialsError) return fail('connection', 'credentials', 'readable master credentials', err.message);
    if (err instanceof ConnectionFailure) {
      const what = err.kind === 'unreachable' ? 'restored instance unreachable' : err.kind === 'authentication' ? 'wrong credentials' : 'connection';
      return fail('connection', what, 'a connection to the restored copy', err.message);
    }
    return fail('connection', 'validator error', 'checks to run', (err as Error)?.message ?? String(err));
  } finally {
    await client?.close();
  }
}
