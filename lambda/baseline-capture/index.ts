/**
 * Baseline capture: on a schedule, connects to each production database with a read-only user
 * (credentials from Secrets Manager, never logged), captures the schema fingerprint, the exact
 * row counts of the largest tables and the user checks' results, and writes them as JSON to the
 * baseline store (S3, SSE-KMS). The restore validator compares restored copies with it.
 *
 * A database that cannot be captured is reported by name and makes the invocation fail (after
 * the others were captured), so the function's Errors metric and DLQ surface it.
 */
import { throwIfProblems } from '../../runtime/errors';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BASELINE_ENV, BaselineCaptureConfig, BaselineDatabaseConfig } from '../../runtime/contracts/verification';
import { writeBaseline } from '../../runtime/aws/baseline-store';
import { readCredentials } from '../../runtime/aws/credentials';
import { loadJsonConfig } from '../../runtime/aws/config-object';
import { captureBaseline, connect, DatabaseClient, UserCheck, validateUserChecks } from '../../runtime/integrity';

const s3 = new S3Client({});
const secrets = new SecretsManagerClient({});

/** The scheduled event's input: one database by name, or every configured database. */
export interface BaselineCaptureEvent {
  readonly database?: string;
}

export interface CapturedBaseline {
  readonly database: string;
  readonly location: string;
  readonly fingerprint: string;
  readonly tables: number;
  readonly userCheckErrors: string[];
}

function log(level: 'info' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ level, message, ...fields }) + '\n');
}

export async function handler(event: BaselineCaptureEvent = {}): Promise<CapturedBaseline[]> {
  // The per-database part may be in an S3 object when it does not fit the 4 KB environment.
  const config = await loadJsonConfig<BaselineCaptureConfig>(BASELINE_ENV.config, s3);
  const targets = event?.database ? config.databases.filter((d) => d.name === event.database) : config.databases;
  if (targets.length === 0) {
    throw new Error(`no database named '${event?.database}' is configured for baselines (known: ${config.databases.map((d) => d.name).join(', ')})`);
  }
  const done: CapturedBaseline[] = [];
  const failures: string[] = [];
  for (const db of targets) {
    try {
      done.push(await captureOne(db, config));
    } catch (err) {
      const message = `baseline of '${db.name}' not captured: ${(err as Error)?.message ?? String(err)}`;
      failures.push(message);
      log('error', message, { database: db.name });
    }
  }
  if (failures.length > 0) throw new Error(failures.join('; '));
  return done;
}

async function captureOne(db: BaselineDatabaseConfig, config: BaselineCaptureConfig): Promise<CapturedBaseline> {
  const checks = db.userChecks as UserCheck[];
  const problems = validateUserChecks(checks);
  throwIfProblems(`baseline-capture: user checks of ${db.name}`, problems);
  const creds = await readCredentials(secrets, db.secretArn);
  const host = db.host ?? creds.host;
  const port = db.port ?? creds.port;
  if (!host || !port) throw new Error(`no endpoint: neither the configuration nor secret ${db.secretArn} gives host and port`);
  let client: DatabaseClient | undefined;
  try {
    client = await connect({ engine: db.engine, host, port, user: creds.username, password: creds.password, database: db.databaseName, tls: config.tls });
    const baseline = await captureBaseline(client, { database: db.name, userChecks: checks, largestTables: db.largestTables });
    const location = await writeBaseline(s3, config.store, baseline);
    const userCheckErrors = baseline.userChecks.filter((c) => c.error !== undefined).map((c) => `${c.name}: ${c.error}`);
    const result = { database: db.name, location, fingerprint: baseline.fingerprint, tables: baseline.schema.tables.length, userCheckErrors };
    // A user check failing on production is recorded (the validator then fails it with this reason) and logged loudly.
    log(userCheckErrors.length > 0 ? 'error' : 'info', `baseline of '${db.name}' captured`, result);
    return result;
  } finally {
    await client?.close();
  }
}
