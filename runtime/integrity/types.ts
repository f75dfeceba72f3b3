/**
 * Data shapes of the integrity checks: the schema model a fingerprint is computed from, the
 * baseline captured from production, user checks, and the report of one verification run.
 * Plain JSON-serialisable objects: baselines are stored as JSON and read back by another process.
 */

/** `postgres` for PostgreSQL (RDS, Aurora PostgreSQL, self-managed); `mysql` for MySQL and MariaDB. */
export type Engine = 'postgres' | 'mysql';

export interface ColumnModel {
  readonly name: string;
  /** Type as the catalog spells it: `numeric(12,2)`, `varchar(64)`, `int(11) unsigned`. */
  readonly type: string;
  readonly nullable: boolean;
  /** Default expression, or null when there is none. */
  readonly default: string | null;
}

export interface TableModel {
  /** Qualified name: `schema.table`, or plain `table` in the default schema. */
  readonly name: string;
  readonly columns: ColumnModel[];
}

export interface IndexModel {
  readonly table: string;
  readonly name: string;
  /** Canonical definition (columns, uniqueness, method), comparable across servers. */
  readonly definition: string;
}

export interface ConstraintModel {
  readonly table: string;
  readonly name: string;
  /** PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK, EXCLUDE. */
  readonly kind: string;
  readonly definition: string;
}

/** Everything the fingerprint covers, each list sorted so the hash is stable. */
export interface SchemaModel {
  readonly engine: Engine;
  readonly tables: TableModel[];
  readonly indexes: IndexModel[];
  readonly constraints: ConstraintModel[];
}

export interface TableRowCount {
  readonly table: string;
  readonly rows: number;
}

/**
 * How a user check's result is judged.
 * - `equals`: the first column of the first row equals `value` (or, without `value`, what the same
 *   query returned on production when the baseline was captured).
 * - `atLeast`: the first cell is a number ≥ `value`.
 * - `notEmpty`: the query returns at least one row.
 * - `newerThan`: the first cell is a timestamp newer than (restore point time − `value` seconds);
 *   "the latest order is newer than the restore point minus the RPO".
 */
export type UserCheckExpectation = 'equals' | 'atLeast' | 'notEmpty' | 'newerThan';

export interface UserCheck {
  readonly name: string;
  readonly sql: string;
  readonly expect: UserCheckExpectation;
  /** Expected value (`equals`), minimum (`atLeast`) or maximum age in seconds (`newerThan`). */
  readonly value?: string | number;
}

/** What a user check returned on production at baseline time. */
export interface UserCheckBaseline {
  readonly name: string;
  /** First cell of the first row as text; null when no row or a NULL cell. */
  readonly found: string | null;
  readonly rows: number;
  /** The database's message when the query failed on production. */
  readonly error?: string;
}

/** What production held when the baseline was captured: the restored copy is compared with it. */
export interface Baseline {
  readonly formatVersion: 1;
  readonly database: string;
  readonly engine: Engine;
  /** ISO-8601 time of capture. */
  readonly capturedAt: string;
  /** Server version string, for the report. */
  readonly serverVersion: string;
  readonly fingerprint: string;
  readonly schema: SchemaModel;
  /** Exact row counts of the largest tables, largest first. */
  readonly rowCounts: TableRowCount[];
  readonly userChecks: UserCheckBaseline[];
  /**
   * The user checks as declared when the baseline was captured: the restored copy is judged by
   * exactly the checks whose production values were recorded.
   */
  readonly checkDefinitions: UserCheck[];
}

export type CheckKind = 'connection' | 'baseline' | 'schema' | 'rowCount' | 'userCheck';

export interface CheckResult {
  /** `schema fingerprint`, `row count orders`, `user check latest-order`. */
  readonly name: string;
  readonly kind: CheckKind;
  readonly passed: boolean;
  readonly expected: string;
  readonly found: string;
  /** Wall-clock milliseconds the check took. */
  readonly ms: number;
  /** For the schema check: every difference, one line each. */
  readonly differences?: string[];
}

export interface VerificationReport {
  readonly database: string;
  readonly engine: Engine;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** True only when every check passed and at least one check ran. */
  readonly passed: boolean;
  readonly checks: CheckResult[];
}
