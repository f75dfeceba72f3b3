/**
 * The two entry points everything else uses: capture a baseline from production, and verify a
 * restored copy against it. Both the Lambda handlers and the runner's drills call these.
 */
import { DatabaseClient } from './connection';
import { diffSchemas, fingerprint, readSchema } from './fingerprint';
import { compareRowCounts, countLargestTables, DEFAULT_LARGEST_TABLES, RowCountTolerance } from './row-counts';
import { DEFAULT_USER_CHECK_TIMEOUT_MS, judgeUserCheck, runUserQuery } from './user-checks';
import { Baseline, CheckKind, CheckResult, Engine, UserCheck, VerificationReport } from './types';

export interface CaptureOptions {
  /** Name of the database in reports and the baseline store (not necessarily the SQL database name). */
  readonly database: string;
  readonly userChecks?: UserCheck[];
  /** @default 10 */
  readonly largestTables?: number;
  /** @default 300000 */
  readonly countTimeoutMs?: number;
  /** @default 30000 */
  readonly userCheckTimeoutMs?: number;
  /** @default now */
  readonly now?: Date;
}

export async function captureBaseline(db: DatabaseClient, opts: CaptureOptions): Promise<Baseline> {
  const capturedAt = (opts.now ?? new Date()).toISOString();
  const schema = await readSchema(db);
  const rowCounts = await countLargestTables(db, opts.largestTables ?? DEFAULT_LARGEST_TABLES, opts.countTimeoutMs ?? 300000);
  const userChecks = [];
  for (const c of opts.userChecks ?? []) {
    const o = await runUserQuery(db, c, opts.userCheckTimeoutMs ?? DEFAULT_USER_CHECK_TIMEOUT_MS);
    userChecks.push({ name: c.name, found: o.found, rows: o.rows, ...(o.error !== undefined ? { error: o.error } : {}) });
  }
  return {
    formatVersion: 1,
    database: opts.database,
    engine: db.engine,
    capturedAt,
    serverVersion: await db.version(),
    fingerprint: fingerprint(schema),
    schema,
    rowCounts,
    userChecks,
    checkDefinitions: [...(opts.userChecks ?? [])],
  };
}

export interface VerifyOptions {
  /** @default the checks recorded in the baseline */
  readonly userChecks?: UserCheck[];
  /** Time of the restored recovery point: the row-count tolerance and "newerThan" count from it. @default the baseline's capture time */
  readonly restorePointTime?: Date;
  readonly tolerance?: RowCountTolerance;
  /** @default 300000 */
  readonly countTimeoutMs?: number;
  /** @default 30000 */
  readonly userCheckTimeoutMs?: number;
}

export async function verifyRestoredCopy(db: DatabaseClient, baseline: Baseline, opts: VerifyOptions = {}): Promise<VerificationReport> {
  const startedAt = new Date();
  const checks: CheckResult[] = [];
  if (baseline.engine !== db.engine) {
    checks.push({ name: 'baseline engine', kind: 'baseline', passed: false, expected: baseline.engine, found: db.engine, ms: 0 });
    return finish(baseline.database, db.engine, startedAt, checks);
  }

  let t = Date.now();
  try {
    const schema = await readSchema(db);
    const hash = fingerprint(schema);
    const differences = hash === baseline.fingerprint ? [] : diffSchemas(baseline.schema, schema);
    // A hash mismatch with no named difference would be a silent pass of a changed schema: fail it.
    const passed = hash === baseline.fingerprint;
    checks.push({
      name: 'schema fingerprint', kind: 'schema', passed,
      expected: `sha256 ${baseline.fingerprint.slice(0, 16)}… (${baseline.schema.tables.length} tables, ${baseline.schema.indexes.length} indexes, ${baseline.schema.constraints.length} constraints)`,
      found: passed ? `sha256 ${hash.slice(0, 16)}… identical`
        : `sha256 ${hash.slice(0, 16)}…: ${differences.length > 0 ? differences.join('; ') : 'schema rendering differs (no named difference)'}`,
      ms: Date.now() - t,
      ...(differences.length > 0 ? { differences } : {}),
    });
  } catch (err) {
    checks.push({ name: 'schema fingerprint', kind: 'schema', passed: false, expected: `sha256 ${baseline.fingerprint.slice(0, 16)}…`, found: `error: ${(err as Error).message}`, ms: Date.now() - t });
  }

  const capturedAt = new Date(baseline.capturedAt);
  const reference = opts.restorePointTime ?? capturedAt;
  const ageSeconds = Math.abs(reference.getTime() - capturedAt.getTime()) / 1000;
  checks.push(...await compareRowCounts(db, baseline.rowCounts, ageSeconds, opts.tolerance, opts.countTimeoutMs ?? 300000));

  const baselineChecks = new Map(baseline.userChecks.map((c) => [c.name, c]));
  for (const c of opts.userChecks ?? baseline.checkDefinitions ?? []) {
    t = Date.now();
    const outcome = await runUserQuery(db, c, opts.userCheckTimeoutMs ?? DEFAULT_USER_CHECK_TIMEOUT_MS);
    checks.push(judgeUserCheck(c, outcome, { referenceTime: reference, baseline: baselineChecks.get(c.name) }));
  }
  return finish(baseline.database, db.engine, startedAt, checks);
}

function finish(database: string, engine: Engine, startedAt: Date, checks: CheckResult[]): VerificationReport {
  return {
    database, engine,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    passed: checks.length > 0 && checks.every((c) => c.passed),
    checks,
  };
}

/** A report holding one failed check, for failures before any check could run (connection, baseline). */
export function failureReport(database: string, engine: Engine, kind: CheckKind, name: string, expected: string, found: string): VerificationReport {
  return finish(database, engine, new Date(), [{ name, kind, passed: false, expected, found, ms: 0 }]);
}

/**
 * One line naming every failed check, for PutRestoreValidationResult and logs:
 * `FAILED 2/14 checks: schema fingerprint — column orders.amount: type numeric(12,2) → text; row count orders — expected 1000 ± 0 rows, found 900 rows (−100)`.
 */
export function summarize(report: VerificationReport, maxLength = 1000): string {
  const failed = report.checks.filter((c) => !c.passed);
  let text: string;
  if (report.passed) {
    text = `PASSED ${report.checks.length}/${report.checks.length} checks on ${report.database}`;
  } else {
    const parts = failed.map((c) => c.kind === 'schema' && c.differences
      ? `${c.name} — ${c.differences.join(', ')}`
      : `${c.name} — expected ${c.expected}, found ${c.found}`);
    text = `FAILED ${failed.length}/${report.checks.length} checks on ${report.database}: ${parts.join('; ')}`;
  }
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
