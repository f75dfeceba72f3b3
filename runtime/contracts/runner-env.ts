/**
 * Environment variables of the runner CLI that the BackupRunner construct sets on its containers.
 * Pure constants (no CDK import); test/runner/construct checks each against the runner's option
 * specs, so the construct and the runner cannot disagree on a name.
 */
export const RUNNER_ENV = {
  engine: 'RUNNER_ENGINE',
  database: 'RUNNER_DATABASE',
  s3Bucket: 'RUNNER_S3_BUCKET',
  s3Prefix: 'RUNNER_S3_PREFIX',
  region: 'AWS_REGION',
  spoolDir: 'RUNNER_SPOOL_DIR',
  retainCount: 'RUNNER_RETAIN_COUNT',
  dbHost: 'RUNNER_DB_HOST',
  dbPort: 'RUNNER_DB_PORT',
  dbUser: 'RUNNER_DB_USER',
  dbName: 'RUNNER_DB_NAME',
  dbPassword: 'RUNNER_DB_PASSWORD',
} as const;
