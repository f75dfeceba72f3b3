/** Integrity checks shared by the Lambda handlers and the runner drills (pure Node, no AWS SDK). */
export * from './types';
export { connect, ConnectionFailure } from './connection';
export type { ConnectionOptions, DatabaseClient } from './connection';
export { canonicalJson, diffSchemas, fingerprint, readSchema } from './fingerprint';
export { allowedDrift, compareRowCounts, countLargestTables } from './row-counts';
export type { RowCountTolerance } from './row-counts';
export { judgeUserCheck, runUserQuery, validateUserChecks } from './user-checks';
export { captureBaseline, failureReport, summarize, verifyRestoredCopy } from './verify';
export type { CaptureOptions, VerifyOptions } from './verify';
