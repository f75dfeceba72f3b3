/**
 * User checks: named SQL with an expected result, declared in the plan. Each runs alone in a
 * read-only transaction with a statement timeout; invalid SQL or a timeout makes that check fail
 * with the database's message, it never aborts the verification.
 */
import { DatabaseClient } from './connection';
import { errorMessage, readOnly } from './row-counts';
import { CheckResult, UserCheck, UserCheckBaseline } from './types';

export const DEFAULT_USER_CHECK_TIMEOUT_MS = 30000;

export interface UserCheckOutcome {
  readonly found: string | null;
  readonly rows: number;
  readonly error?: string;
  readonly ms: number;
}

/** A cell as text: timestamps as ISO-8601 UTC, everything else as the driver rendered it. */
export function cellText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export async function runUserQuery(db: DatabaseClient, check: UserCheck, timeoutMs = DEFAULT_USER_CHECK_TIMEOUT_MS): Promise<UserCheckOutcome> {
  const start = Date.now();
  try {
    const rows = await readOnly(db, timeoutMs, () => db.querySingle(check.sql));
    return { found: rows.length > 0 ? cellText(rows[0][0]) : null, rows: rows.length, ms: Date.now() - start };
  } catch (err) {
    return { found: null, rows: 0, error: errorMessage(err), ms: Date.now() - start };
  }
}

/** Parses a timestamp cell; text without a zone is read as UTC (the MySQL session runs in UTC). */
export function parseTimestamp(s: string): Date | undefined {
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : s;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export interface JudgeContext {
  /** Restore point time ("newerThan" counts back from it); now when unknown. */
  readonly referenceTime: Date;
  /** What the check returned on production, for `equals` without a value. */
  readonly baseline?: UserCheckBaseline;
}

/** Turns a user check's outcome into a pass/fail check result. */
export function judgeUserCheck(check: UserCheck, outcome: UserCheckOutcome, ctx: JudgeContext): CheckResult {
  const name = `user check ${check.name}`;
  const base = { name, kind: 'userCheck' as const, ms: outcome.ms };
  let expected: string;
  switch (check.expect) {
    case 'equals':
      expected = check.value !== undefined ? `= ${check.value}` : ctx.baseline && !ctx.baseline.error ? `= ${ctx.baseline.found ?? 'NULL'} (production at baseline)` : '= production value at baseline';
      break;
    case 'atLeast': expected = `≥ ${check.value}`; break;
    case 'notEmpty': expected = 'at least one row'; break;
    case 'newerThan': expected = `newer than ${new Date(ctx.referenceTime.getTime() - Number(check.value) * 1000).toISOString()} (reference ${ctx.referenceTime.toISOString()} − ${check.value} s)`; break;
    default: expected = `unknown expectation '${String(check.expect)}'`;
  }
  if (outcome.error !== undefined) return { ...base, passed: false, expected, found: `SQL error: ${outcome.error}` };
  const found = outcome.rows === 0 ? 'no rows' : outcome.found ?? 'NULL';
  switch (check.expect) {
    case 'notEmpty':
      return { ...base, passed: outcome.rows > 0, expected, found: `${outcome.rows} row${outcome.rows === 1 ? '' : 's'}` };
    case 'equals': {
      let want: string | null | undefined;
      if (check.value !== undefined) want = String(check.value);
      else if (ctx.baseline && !ctx.baseline.error) want = ctx.baseline.found;
      else return { ...base, passed: false, expected, found: `${found}; the baseline has no production value for this check${ctx.baseline?.error ? ` (it failed there: ${ctx.baseline.error})` : ''}` };
      const got = outcome.rows === 0 ? null : outcome.found;
      const same = got === want || (got !== null && want !== null && isNumeric(got) && isNumeric(want) && Number(got) === Number(want));
      return { ...base, passed: same, expected, found };
    }
    case 'atLeast': {
      const min = Number(check.value);
      const n = outcome.found === null ? NaN : Number(outcome.found);
      return { ...base, passed: Number.isFinite(n) && Number.isFinite(min) && n >= min, expected, found };
    }
    case 'newerThan': {
      const maxAge = Number(check.value);
      const ts = outcome.found === null ? undefined : parseTimestamp(outcome.found);
      if (!ts) return { ...base, passed: false, expected, found: `${found} (not a timestamp)` };
      const passed = Number.isFinite(maxAge) && ts.getTime() >= ctx.referenceTime.getTime() - maxAge * 1000;
      return { ...base, passed, expected, found: ts.toISOString() };
    }
    default:
      return { ...base, passed: false, expected, found };
  }
}

function isNumeric(s: string): boolean {
  return s.trim() !== '' && Number.isFinite(Number(s));
}

/** Problems in user-check declarations, each naming the check and the bad value. */
export function validateUserChecks(checks: UserCheck[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  checks.forEach((c, i) => {
    const where = `userChecks[${i}]${c?.name ? ` (${c.name})` : ''}`;
    if (!c || typeof c.name !== 'string' || c.name.trim() === '') problems.push(`${where}.name must be a non-empty string`);
    else if (seen.has(c.name)) problems.push(`${where}.name '${c.name}' is used twice`);
    else seen.add(c.name);
    if (!c || typeof c.sql !== 'string' || c.sql.trim() === '') problems.push(`${where}.sql must be a non-empty string`);
    if (!c || !['equals', 'atLeast', 'notEmpty', 'newerThan'].includes(c.expect)) problems.push(`${where}.expect must be one of equals, atLeast, notEmpty, newerThan, got '${c?.expect}'`);
    if (c && (c.expect === 'atLeast' || c.expect === 'newerThan') && !Number.isFinite(Number(c.value))) {
      problems.push(`${where}.value must be a number for '${c.expect}', got '${c.value}'`);
    }
  });
  return problems;
}
